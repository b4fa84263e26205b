/* A gate vendor's program: load the trust material, open the venue unit and
 * a gate, then admit paper tickets and a chip.
 *
 *   gate DATA_DIR WORK_DIR                  chip through the transport callback
 *   gate DATA_DIR WORK_DIR pcsc PREFIX      chip in the first PC/SC reader
 *                                           whose name starts with PREFIX
 *
 * DATA_DIR holds the demo data (cargo run -p eticket-ffi --example
 * c_test_data -- DATA_DIR); the entry log is created in WORK_DIR, which
 * should be empty. In callback mode the "reader driver" below forwards
 * each APDU to the library's in-process test card (eticket_test_card_*),
 * standing in for a vendor's own reader code. Exits 0 when every scan
 * ended as expected. */
#include "util.h"

/* The vendor's reader driver: carry one APDU to the card. Here the card is
 * the library's test card; a real driver talks to its reader hardware. */
static uint32_t transmit(void *userdata, const uint8_t *cmd, size_t cmd_len,
                         uint8_t *resp, size_t resp_cap, size_t *resp_len) {
    return eticket_test_card_transmit(userdata, cmd, cmd_len, resp, resp_cap,
                                      resp_len);
}

/* Print an outcome and check its decision and reason. */
static void expect_outcome(const char *what, eticket_result r,
                           eticket_outcome *o, uint32_t decision,
                           uint16_t reason) {
    eticket_outcome_info info;
    char line[512];
    size_t n = 0;
    EXPECT(r, ETICKET_RESULT_OK);
    if (r != ETICKET_RESULT_OK) {
        return;
    }
    EXPECT(eticket_outcome_get_info(o, &info), ETICKET_RESULT_OK);
    EXPECT(eticket_outcome_display(o, line, sizeof line, &n),
           ETICKET_RESULT_OK);
    printf("%-28s %s\n", what, line);
    if (info.decision != decision || info.reason != reason) {
        fprintf(stderr, "%s: decision %u reason %u, expected %u / %u\n", what,
                (unsigned)info.decision, (unsigned)info.reason,
                (unsigned)decision, (unsigned)reason);
        failures++;
    }
    if (decision == ETICKET_DECISION_ADMIT) {
        char guidance[256];
        size_t need = 0;
        /* Ask for the size first, then fetch into a buffer of that size. */
        EXPECT(eticket_outcome_guidance(o, NULL, 0, &need),
               ETICKET_RESULT_BUFFER_TOO_SMALL);
        CHECK(need > 1 && need <= sizeof guidance);
        EXPECT(eticket_outcome_guidance(o, guidance, need, &n),
               ETICKET_RESULT_OK);
        CHECK(n + 1 == need && guidance[n] == '\0');
        CHECK(info.has_ticket && info.entry >= 1);
    }
}

static void admit_paper(eticket_gate *gate, const char *data_dir,
                        const char *file, uint16_t reason) {
    size_t len;
    unsigned char *ticket = read_file(data_dir, file, &len);
    eticket_outcome *o = NULL;
    eticket_result r = eticket_gate_admit_paper(gate, ticket, len, DEMO_NOW, &o);
    expect_outcome(file, r, o,
                   reason == 0 ? ETICKET_DECISION_ADMIT : ETICKET_DECISION_REFUSE,
                   reason);
    eticket_outcome_free(o);
    free(ticket);
}

static void admit_chip(eticket_gate *gate, eticket_chip *chip,
                       const char *reader, const char *what,
                       uint16_t reason) {
    eticket_outcome *o = NULL;
    eticket_result r;
    if (reader != NULL) {
        r = eticket_gate_admit_pcsc(gate, reader, DEMO_NOW, &o);
    } else {
        r = eticket_gate_admit_chip(gate, chip, DEMO_NOW, &o);
    }
    expect_outcome(what, r, o,
                   reason == 0 ? ETICKET_DECISION_ADMIT : ETICKET_DECISION_REFUSE,
                   reason);
    eticket_outcome_free(o);
}

int main(int argc, char **argv) {
    const char *data_dir, *work_dir, *reader = NULL;
    char reader_name[512];
    char log_path[4096];
    size_t root_len, keys_len, list_len, event_len, delta_len;
    unsigned char *root, *keys_bytes, *list_bytes, *event, *delta;
    eticket_key_set *keys = NULL;
    eticket_revocation_list *list = NULL;
    eticket_venue *venue = NULL;
    eticket_gate *gate = NULL;
    eticket_venue_settings settings;
    eticket_test_card *card = NULL;
    eticket_chip *chip = NULL;
    uint64_t version = 0;
    /* Starts with the format version (2), so it is malformed, not unsupported. */
    const unsigned char garbage[] = {2, 2, 3, 4, 5, 6, 7, 8, 9};

    if (argc != 3 && !(argc == 5 && strcmp(argv[3], "pcsc") == 0)) {
        fprintf(stderr, "usage: %s DATA_DIR WORK_DIR [pcsc READER]\n", argv[0]);
        return 2;
    }
    data_dir = argv[1];
    work_dir = argv[2];
    if (argc == 5) {
        if (find_reader(argv[4], reader_name, sizeof reader_name) != 0) {
            return 1;
        }
        reader = reader_name;
    }
    if (strcmp(eticket_version(), ETICKET_VERSION_STRING) != 0 ||
        eticket_version_number() != ETICKET_VERSION_NUMBER) {
        fprintf(stderr, "header %s does not match library %s\n",
                ETICKET_VERSION_STRING, eticket_version());
        return 1;
    }
    printf("libeticket %s, signatures verified with %s\n", eticket_version(),
           eticket_signature_backend());
    /* The library as installed is built the default way: ring. */
    CHECK(strcmp(eticket_signature_backend(), "ring") == 0);

    root = read_file(data_dir, "root.pub", &root_len);
    keys_bytes = read_file(data_dir, "keyset.bin", &keys_len);
    list_bytes = read_file(data_dir, "revocations.bin", &list_len);
    event = read_file(data_dir, "event.json", &event_len);
    delta = read_file(data_dir, "delta.bin", &delta_len);

    EXPECT(eticket_key_set_load(keys_bytes, keys_len, DEMO_ROOT_KEY_ID, root,
                                root_len, &keys),
           ETICKET_RESULT_OK);
    EXPECT(eticket_revocation_list_load(list_bytes, list_len, keys, DEMO_NOW,
                                        &list),
           ETICKET_RESULT_OK);
    {
        /* The list says why: serial 13 was revoked, 14 is not (yet). */
        eticket_reason why = ETICKET_REASON_NONE;
        EXPECT(eticket_revocation_list_reason(list, 13, 0, &why), ETICKET_RESULT_OK);
        CHECK(why == ETICKET_REASON_REVOKED);
        EXPECT(eticket_revocation_list_reason(list, 14, 0, &why), ETICKET_RESULT_OK);
        CHECK(why == ETICKET_REASON_NONE);
    }
    EXPECT(eticket_venue_settings_default(&settings), ETICKET_RESULT_OK);
    /* The defaults refuse transferred tickets while the revocation list is
     * stale, admit nothing with a list older than a day, and refuse a chip
     * that takes over a second to answer (a relay). */
    CHECK(settings.stale_policy == ETICKET_STALE_POLICY_FAIL_CLOSED_TRANSFERRED);
    CHECK(settings.max_list_age_seconds == 86400 && settings.max_answer_ms == 1000);
    settings.policy = ETICKET_PASSBACK_SINGLE_ENTRY;
    snprintf(log_path, sizeof log_path, "%s/entries.db", work_dir);
    EXPECT(eticket_venue_open(log_path, event, event_len, keys, list, &settings,
                              &venue),
           ETICKET_RESULT_OK);
    if (venue == NULL) {
        return 1;
    }
    EXPECT(eticket_venue_open_gate(venue, 1, "north-1", &gate),
           ETICKET_RESULT_OK);
    if (gate == NULL) {
        return 1;
    }

    /* Paper: the first scan wins, a copy is refused, a revoked one too. */
    admit_paper(gate, data_dir, "paper_1.bin", ETICKET_REASON_NONE);
    admit_paper(gate, data_dir, "paper_1.bin", ETICKET_REASON_PAPER_ALREADY_USED);
    admit_paper(gate, data_dir, "paper_2.txt", ETICKET_REASON_NONE); /* the QR text */
    admit_paper(gate, data_dir, "paper_13.bin", ETICKET_REASON_REVOKED);
    admit_paper(gate, data_dir, "paper_14.bin", ETICKET_REASON_NONE); /* not revoked yet */

    /* The center revokes serial 14 through a delta: the next copy fails. */
    EXPECT(eticket_venue_accept_revocation_delta(venue, delta, delta_len,
                                                 DEMO_NOW, &version),
           ETICKET_RESULT_OK);
    CHECK(version == 2);
    admit_paper(gate, data_dir, "paper_14.bin", ETICKET_REASON_REVOKED); /* revoked now */
    {
        eticket_outcome *o = NULL;
        eticket_result r =
            eticket_gate_admit_paper(gate, garbage, sizeof garbage, DEMO_NOW, &o);
        expect_outcome("garbage bytes", r, o, ETICKET_DECISION_REFUSE,
                       ETICKET_REASON_MALFORMED);
        eticket_outcome_free(o);
    }

    /* The chip: proves its identity, its ticket 30 is admitted once. */
    if (reader == NULL) {
        char state[4096];
        snprintf(state, sizeof state, "%s/card_gate.state", data_dir);
        EXPECT(eticket_test_card_open(state, &card), ETICKET_RESULT_OK);
        EXPECT(eticket_chip_open_callback(transmit, card, &chip),
               ETICKET_RESULT_OK);
        if (chip == NULL) {
            return 1;
        }
        admit_chip(gate, chip, NULL, "chip (first)", ETICKET_REASON_NONE);
        admit_chip(gate, chip, NULL, "chip (again)",
                   ETICKET_REASON_ALREADY_ADMITTED);
    } else {
        /* Once through a chip handle on the reader, once in one call. */
        printf("admitting through PC/SC reader \"%s\"\n", reader);
        chip = open_reader(reader);
        if (chip == NULL) {
            return 1;
        }
        admit_chip(gate, chip, NULL, "chip (first)", ETICKET_REASON_NONE);
        admit_chip(gate, NULL, reader, "chip (again)",
                   ETICKET_REASON_ALREADY_ADMITTED);
    }

    eticket_chip_free(chip);
    eticket_test_card_free(card);
    eticket_gate_free(gate);
    eticket_venue_free(venue);
    eticket_revocation_list_free(list);
    eticket_key_set_free(keys);
    free(root);
    free(keys_bytes);
    free(list_bytes);
    free(event);
    free(delta);
    if (failures != 0) {
        fprintf(stderr, "gate: %d check(s) failed\n", failures);
        return 1;
    }
    printf("gate: all scans as expected\n");
    return 0;
}
