/* A gate device of a networked venue: it verifies tickets itself and asks
 * the venue unit (`eticket-venue serve`) for the passback decision; when the
 * unit does not answer in time it decides alone, says so, and keeps the scan
 * for the unit.
 *
 *   device DATA_DIR WORK_DIR ADDRESS NAME admit FILE EXPECT
 *   device DATA_DIR WORK_DIR ADDRESS NAME sync
 *
 * DATA_DIR holds the demo data (cargo run -p eticket-ffi --example
 * c_test_data -- DATA_DIR): the device's credential device_NAME.credential
 * and the root key; the device keeps its log in WORK_DIR/NAME.db. `admit`
 * presents the paper ticket DATA_DIR/FILE; EXPECT is what must come of it:
 * `admit-online`, `admit-offline`, or `refuse-online-N` / `refuse-offline-N`
 * with the reason code N. `sync` sends what the unit has not confirmed and
 * expects nothing left. Exits 0 when all went as expected. */
#include "util.h"

/* A text file's contents as a NUL-terminated string, malloc'd. */
static char *read_text(const char *dir, const char *name) {
    size_t len = 0;
    unsigned char *bytes = read_file(dir, name, &len);
    char *text = malloc(len + 1);
    if (text == NULL) {
        exit(2);
    }
    memcpy(text, bytes, len);
    text[len] = '\0';
    free(bytes);
    return text;
}

int main(int argc, char **argv) {
    const char *data, *work, *address, *name, *action;
    char credential_file[256], log_path[4096];
    eticket_device_config config;
    eticket_venue *venue = NULL;
    eticket_gate *gate = NULL;
    unsigned char *root;
    size_t root_len = 0;
    char *credential;
    eticket_result r;

    if (argc < 6) {
        fprintf(stderr, "usage: device DATA WORK ADDRESS NAME admit FILE EXPECT | sync\n");
        return 2;
    }
    data = argv[1];
    work = argv[2];
    address = argv[3];
    name = argv[4];
    action = argv[5];

    snprintf(credential_file, sizeof credential_file, "device_%s.credential", name);
    snprintf(log_path, sizeof log_path, "%s/%s.db", work, name);
    credential = read_text(data, credential_file);
    root = read_file(data, "root.pub", &root_len);

    EXPECT(eticket_device_config_init(&config), ETICKET_RESULT_OK);
    config.unit_address = address;
    config.credential_json = credential;
    config.root_key_id = DEMO_ROOT_KEY_ID;
    config.root_public_key = root;
    config.root_public_key_len = root_len;
    config.log_path = log_path;
    config.retry_after_ms = 0; /* try the unit at every scan */

    r = eticket_device_open(&config, DEMO_NOW, &venue, &gate);
    if (r != ETICKET_RESULT_OK) {
        print_error("eticket_device_open", r);
        free(credential);
        free(root);
        return 1;
    }

    if (strcmp(action, "admit") == 0 && argc == 8) {
        eticket_outcome *o = NULL;
        eticket_outcome_info info;
        bool offline = false;
        char line[512], got[64];
        size_t n = 0, len = 0;
        unsigned char *ticket = read_file(data, argv[6], &len);
        r = eticket_gate_admit_paper(gate, ticket, len, DEMO_NOW, &o);
        EXPECT(r, ETICKET_RESULT_OK);
        if (r == ETICKET_RESULT_OK) {
            EXPECT(eticket_outcome_get_info(o, &info), ETICKET_RESULT_OK);
            EXPECT(eticket_outcome_offline(o, &offline), ETICKET_RESULT_OK);
            EXPECT(eticket_outcome_display(o, line, sizeof line, &n), ETICKET_RESULT_OK);
            printf("%s %s: %s\n", name, argv[6], line);
            if (info.decision == ETICKET_DECISION_ADMIT) {
                snprintf(got, sizeof got, "admit-%s", offline ? "offline" : "online");
            } else {
                snprintf(got, sizeof got, "refuse-%s-%u", offline ? "offline" : "online",
                         (unsigned)info.reason);
            }
            if (strcmp(got, argv[7]) != 0) {
                fprintf(stderr, "%s %s: %s, expected %s\n", name, argv[6], got, argv[7]);
                failures++;
            }
            eticket_outcome_free(o);
        }
        free(ticket);
    } else if (strcmp(action, "sync") == 0) {
        eticket_sync_status status;
        EXPECT(eticket_gate_sync(gate, DEMO_NOW, &status), ETICKET_RESULT_OK);
        printf("%s sync: online %d, pending %llu\n", name, (int)status.online,
               (unsigned long long)status.pending);
        CHECK(status.online);
        CHECK(status.pending == 0);
    } else {
        fprintf(stderr, "unknown action %s\n", action);
        failures++;
    }

    /* Either handle may go first. */
    eticket_venue_free(venue);
    eticket_gate_free(gate);
    free(credential);
    free(root);
    return failures == 0 ? 0 : 1;
}
