/* Misuse of every entry point: NULL everywhere, zero and short buffers,
 * freeing NULL, garbage bytes, a transport callback that lies. Each call
 * must return its documented result code and never crash; run under
 * AddressSanitizer and valgrind by scripts/checks/ffi.sh.
 *
 *   misuse DATA_DIR WORK_DIR
 */
#include "../../examples/c/util.h"

#define NUL ETICKET_RESULT_NULL_PARAMETER

/* Starts with the format version (2): malformed rather than unsupported. */
static const unsigned char garbage[] = {0x02, 0xff, 0x00, 0x42, 0x13, 0x37,
                                        0x80, 0x00, 0x00, 0x01, 0xde, 0xad};

/* A transport whose card answers with whatever `mode` says. */
static int mode = 0;
static uint32_t liar(void *userdata, const uint8_t *cmd, size_t cmd_len,
                     uint8_t *resp, size_t resp_cap, size_t *resp_len) {
    (void)userdata;
    (void)cmd;
    (void)cmd_len;
    switch (mode) {
    case 0: /* claims more bytes than the buffer holds */
        *resp_len = resp_cap + 1;
        return ETICKET_TRANSMIT_STATUS_OK;
    case 1: /* the reader failed */
        return ETICKET_TRANSMIT_STATUS_FAILED;
    case 2: /* an unknown status */
        return 77;
    case 3: /* fewer than the two status bytes */
        resp[0] = 0x90;
        *resp_len = 1;
        return ETICKET_TRANSMIT_STATUS_OK;
    case 4: /* always reset */
        return ETICKET_TRANSMIT_STATUS_CARD_RESET;
    case 6: /* "61 00": more to come, forever, with no data */
        resp[0] = 0x61;
        resp[1] = 0x00;
        *resp_len = 2;
        return ETICKET_TRANSMIT_STATUS_OK;
    case 7: /* "6C 20": ask again with another length, forever */
        resp[0] = 0x6C;
        resp[1] = 0x20;
        *resp_len = 2;
        return ETICKET_TRANSMIT_STATUS_OK;
    case 8: /* 200 bytes and "61 C8", forever */
        if (resp_cap < 202) {
            return ETICKET_TRANSMIT_STATUS_FAILED;
        }
        memset(resp, 0x55, 200);
        resp[200] = 0x61;
        resp[201] = 0xC8;
        *resp_len = 202;
        return ETICKET_TRANSMIT_STATUS_OK;
    default: /* 9000 to everything, with garbage data */
        memcpy(resp, garbage, sizeof garbage);
        resp[sizeof garbage] = 0x90;
        resp[sizeof garbage + 1] = 0x00;
        *resp_len = sizeof garbage + 2;
        return ETICKET_TRANSMIT_STATUS_OK;
    }
}

static void version_and_errors(void) {
    char buf[8];
    size_t n = 0;
    CHECK(eticket_version() != NULL);
    EXPECT(eticket_error(0, NULL, 0, NULL), NUL);
    EXPECT(eticket_error(0, NULL, 5, &n), NUL);
    EXPECT(eticket_error(0, NULL, 0, &n), ETICKET_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == sizeof "success");
    EXPECT(eticket_error(0, buf, 7, &n), ETICKET_RESULT_BUFFER_TOO_SMALL);
    EXPECT(eticket_error(0, buf, 8, &n), ETICKET_RESULT_OK);
    CHECK(n == 7 && strcmp(buf, "success") == 0);
    EXPECT(eticket_error(0xffffffffu, buf, 0, &n),
           ETICKET_RESULT_BUFFER_TOO_SMALL);
    /* No refusal (an admission): an empty text; an unknown code: refused. */
    EXPECT(eticket_reason_text(ETICKET_REASON_NONE, buf, sizeof buf, &n),
           ETICKET_RESULT_OK);
    CHECK(n == 0 && buf[0] == '\0');
    EXPECT(eticket_reason_text(99, buf, sizeof buf, &n),
           ETICKET_RESULT_INVALID_PARAMETER);
    EXPECT(eticket_reason_text(11, buf, sizeof buf, &n),
           ETICKET_RESULT_BUFFER_TOO_SMALL);
    EXPECT(eticket_reason_text(11, NULL, 0, NULL), NUL);
}

static void keys_and_lists(const char *data) {
    size_t root_len, keys_len;
    unsigned char *root = read_file(data, "root.pub", &root_len);
    unsigned char *kb = read_file(data, "keyset.bin", &keys_len);
    eticket_key_set *keys = NULL;
    eticket_revocation_list *list = NULL;
    uint64_t v = 0;
    bool revoked = false;

    EXPECT(eticket_key_set_load(NULL, 0, 100, NULL, 0, NULL), NUL);
    EXPECT(eticket_key_set_load(NULL, 10, 100, root, root_len, &keys), NUL);
    EXPECT(eticket_key_set_load(kb, keys_len, 100, NULL, 65, &keys), NUL);
    EXPECT(eticket_key_set_load(kb, keys_len, 100, root, 0, &keys),
           ETICKET_RESULT_INVALID_KEY);
    EXPECT(eticket_key_set_load(kb, keys_len, 100, garbage, sizeof garbage,
                                &keys),
           ETICKET_RESULT_INVALID_KEY);
    EXPECT(eticket_key_set_load(garbage, sizeof garbage, 100, root, root_len,
                                &keys),
           ETICKET_RESULT_MALFORMED);
    EXPECT(eticket_key_set_load(kb, keys_len - 1, 100, root, root_len, &keys),
           ETICKET_RESULT_BAD_SIGNATURE);
    EXPECT(eticket_key_set_load(kb, keys_len, 99, root, root_len, &keys),
           ETICKET_RESULT_UNKNOWN_KEY);
    CHECK(keys == NULL); /* outputs only on success */
    EXPECT(eticket_key_set_load(kb, keys_len, 100, root, root_len, &keys),
           ETICKET_RESULT_OK);
    EXPECT(eticket_key_set_update(NULL, kb, keys_len), NUL);
    EXPECT(eticket_key_set_update(keys, NULL, 3), NUL);
    EXPECT(eticket_key_set_update(keys, garbage, sizeof garbage),
           ETICKET_RESULT_MALFORMED);
    EXPECT(eticket_key_set_update(keys, kb, keys_len), ETICKET_RESULT_NOT_NEWER);
    EXPECT(eticket_key_set_version(keys, NULL), NUL);
    EXPECT(eticket_key_set_version(NULL, &v), NUL);

    EXPECT(eticket_revocation_list_empty(DEMO_EVENT_ID, NULL), NUL);
    EXPECT(eticket_revocation_list_load(garbage, sizeof garbage, keys, DEMO_NOW,
                                        &list),
           ETICKET_RESULT_MALFORMED);
    EXPECT(eticket_revocation_list_load(kb, keys_len, NULL, DEMO_NOW, &list),
           NUL);
    EXPECT(eticket_revocation_list_load(kb, keys_len, keys, DEMO_NOW, NULL),
           NUL);
    /* A key set is no revocation list: signed by the root, not a list key. */
    EXPECT(eticket_revocation_list_load(kb, keys_len, keys, DEMO_NOW, &list),
           ETICKET_RESULT_UNKNOWN_KEY);
    CHECK(list == NULL);
    EXPECT(eticket_revocation_list_empty(DEMO_EVENT_ID, &list),
           ETICKET_RESULT_OK);
    EXPECT(eticket_revocation_list_apply_delta(list, garbage, sizeof garbage,
                                               keys, DEMO_NOW),
           ETICKET_RESULT_MALFORMED);
    EXPECT(eticket_revocation_list_update(list, NULL, 0, keys, DEMO_NOW),
           ETICKET_RESULT_MALFORMED);
    EXPECT(eticket_revocation_list_update(NULL, kb, keys_len, keys, DEMO_NOW),
           NUL);
    EXPECT(eticket_revocation_list_contains(list, 1, 0, NULL), NUL);
    EXPECT(eticket_revocation_list_contains(list, 1, 0, &revoked),
           ETICKET_RESULT_OK);
    CHECK(!revoked);
    {
        eticket_reason why = ETICKET_REASON_MALFORMED;
        EXPECT(eticket_revocation_list_reason(list, 1, 0, NULL), NUL);
        EXPECT(eticket_revocation_list_reason(NULL, 1, 0, &why), NUL);
        EXPECT(eticket_revocation_list_reason(list, 1, 0, &why), ETICKET_RESULT_OK);
        CHECK(why == ETICKET_REASON_NONE);
    }
    EXPECT(eticket_revocation_list_version(NULL, &v), NUL);

    eticket_revocation_list_free(list);
    eticket_key_set_free(keys);
    free(root);
    free(kb);
}

static void venue_and_gate(const char *data, const char *work) {
    size_t root_len, keys_len, event_len;
    unsigned char *root = read_file(data, "root.pub", &root_len);
    unsigned char *kb = read_file(data, "keyset.bin", &keys_len);
    unsigned char *event = read_file(data, "event.json", &event_len);
    eticket_key_set *keys = NULL;
    eticket_revocation_list *list = NULL, *other = NULL;
    eticket_venue *venue = NULL;
    eticket_gate *gate = NULL;
    eticket_outcome *o = NULL;
    eticket_outcome_info info;
    eticket_venue_settings s;
    char path[4096], text[4];
    size_t n = 0;
    uint64_t v = 0;
    const char bad_utf8[] = {'/', 't', 'm', 'p', '/', (char)0xff, 0};

    snprintf(path, sizeof path, "%s/misuse.db", work);
    EXPECT(eticket_key_set_load(kb, keys_len, 100, root, root_len, &keys),
           ETICKET_RESULT_OK);
    EXPECT(eticket_revocation_list_empty(DEMO_EVENT_ID, &list),
           ETICKET_RESULT_OK);
    EXPECT(eticket_revocation_list_empty(1, &other), ETICKET_RESULT_OK);
    EXPECT(eticket_venue_settings_default(NULL), NUL);
    EXPECT(eticket_venue_settings_default(&s), ETICKET_RESULT_OK);

    EXPECT(eticket_venue_open(NULL, event, event_len, keys, list, NULL, &venue),
           NUL);
    EXPECT(eticket_venue_open(path, NULL, 1, keys, list, NULL, &venue), NUL);
    EXPECT(eticket_venue_open(path, event, event_len, NULL, list, NULL, &venue),
           NUL);
    EXPECT(eticket_venue_open(path, event, event_len, keys, NULL, NULL, &venue),
           NUL);
    EXPECT(eticket_venue_open(path, event, event_len, keys, list, NULL, NULL),
           NUL);
    EXPECT(eticket_venue_open(bad_utf8, event, event_len, keys, list, NULL,
                              &venue),
           ETICKET_RESULT_INVALID_UTF8);
    EXPECT(eticket_venue_open(path, garbage, sizeof garbage, keys, list, NULL,
                              &venue),
           ETICKET_RESULT_INVALID_EVENT_INFO);
    EXPECT(eticket_venue_open(path, event, event_len / 2, keys, list, NULL,
                              &venue),
           ETICKET_RESULT_INVALID_EVENT_INFO);
    EXPECT(eticket_venue_open(path, event, event_len, keys, other, NULL,
                              &venue),
           ETICKET_RESULT_EVENT_MISMATCH);
    s.policy = 9;
    EXPECT(eticket_venue_open(path, event, event_len, keys, list, &s, &venue),
           ETICKET_RESULT_INVALID_PARAMETER);
    s.policy = ETICKET_PASSBACK_SINGLE_ENTRY;
    s.stale_policy = 7;
    EXPECT(eticket_venue_open(path, event, event_len, keys, list, &s, &venue),
           ETICKET_RESULT_INVALID_PARAMETER);
    s.stale_policy = ETICKET_STALE_POLICY_FAIL_CLOSED_ALL;
    EXPECT(eticket_venue_open("/nonexistent-dir/x/entries.db", event,
                              event_len, keys, list, NULL, &venue),
           ETICKET_RESULT_ENTRY_LOG_DATABASE);
    CHECK(venue == NULL);
    s.policy = ETICKET_PASSBACK_ENTRIES;
    s.max_entries = 0; /* would refuse every ticket: refused here */
    EXPECT(eticket_venue_open(path, event, event_len, keys, list, &s, &venue),
           ETICKET_RESULT_INVALID_PARAMETER);
    s.max_entries = 2;
    EXPECT(eticket_venue_open(path, event, event_len, keys, list, &s, &venue),
           ETICKET_RESULT_OK);

    EXPECT(eticket_venue_accept_key_set(NULL, kb, keys_len, DEMO_NOW, &v), NUL);
    EXPECT(eticket_venue_accept_key_set(venue, garbage, sizeof garbage,
                                        DEMO_NOW, NULL),
           ETICKET_RESULT_MALFORMED);
    EXPECT(eticket_venue_accept_revocation_list(venue, kb, keys_len, DEMO_NOW,
                                                NULL),
           ETICKET_RESULT_UNKNOWN_KEY);
    EXPECT(eticket_venue_accept_revocation_delta(venue, NULL, 0, DEMO_NOW,
                                                 NULL),
           ETICKET_RESULT_MALFORMED);
    EXPECT(eticket_venue_open_gate(venue, 1, NULL, &gate), NUL);
    EXPECT(eticket_venue_open_gate(NULL, 1, "x", &gate), NUL);
    EXPECT(eticket_venue_open_gate(venue, 1, "x", NULL), NUL);
    EXPECT(eticket_venue_open_gate(venue, 99, "x", &gate),
           ETICKET_RESULT_GATE_CONFIG);
    EXPECT(eticket_venue_open_gate(venue, 2, "east-1", &gate),
           ETICKET_RESULT_OK);

    EXPECT(eticket_gate_admit_paper(NULL, garbage, 3, DEMO_NOW, &o), NUL);
    EXPECT(eticket_gate_admit_paper(gate, NULL, 3, DEMO_NOW, &o), NUL);
    EXPECT(eticket_gate_admit_paper(gate, garbage, 3, DEMO_NOW, NULL), NUL);
    EXPECT(eticket_gate_admit_chip(gate, NULL, DEMO_NOW, &o), NUL);
    EXPECT(eticket_gate_exit_chip(gate, NULL, DEMO_NOW, &o), NUL);
    EXPECT(eticket_gate_admit_pcsc(gate, NULL, DEMO_NOW, &o), NUL);
    EXPECT(eticket_gate_admit_pcsc(NULL, "reader", DEMO_NOW, &o), NUL);
    EXPECT(eticket_gate_admit_pcsc(gate, "reader", DEMO_NOW, NULL), NUL);
    /* A clock gone wrong is a bad parameter, not a gate configuration. */
    EXPECT(eticket_gate_admit_paper(gate, garbage, 3, UINT64_MAX - 5, &o),
           ETICKET_RESULT_INVALID_PARAMETER);
    CHECK(o == NULL);
    /* A garbled QR text is a malformed scan, not another format version. */
    EXPECT(eticket_gate_admit_paper(gate, (const uint8_t *)"ET1:garbage", 11,
                                    DEMO_NOW, &o),
           ETICKET_RESULT_OK);
    EXPECT(eticket_outcome_get_info(o, &info), ETICKET_RESULT_OK);
    CHECK(info.decision == ETICKET_DECISION_REFUSE &&
          info.reason == ETICKET_REASON_MALFORMED);
    eticket_outcome_free(o);
    o = NULL;
    /* Empty and garbage payloads are refusals (logged), not errors. */
    EXPECT(eticket_gate_admit_paper(gate, NULL, 0, DEMO_NOW, &o),
           ETICKET_RESULT_OK);
    EXPECT(eticket_outcome_get_info(o, &info), ETICKET_RESULT_OK);
    CHECK(info.decision == ETICKET_DECISION_REFUSE &&
          info.reason == ETICKET_REASON_MALFORMED &&
          !info.has_ticket);
    EXPECT(eticket_outcome_guidance(o, text, sizeof text, &n),
           ETICKET_RESULT_OK);
    CHECK(n == 0 && text[0] == '\0');
    EXPECT(eticket_outcome_display(o, text, sizeof text, &n),
           ETICKET_RESULT_BUFFER_TOO_SMALL);
    CHECK(n > sizeof text);
    EXPECT(eticket_outcome_display(o, NULL, 1, &n), NUL);
    EXPECT(eticket_outcome_get_info(NULL, &info), NUL);
    EXPECT(eticket_outcome_get_info(o, NULL), NUL);
    eticket_outcome_free(o);
    o = NULL;
    EXPECT(eticket_gate_exit_paper(gate, garbage, sizeof garbage, DEMO_NOW, &o),
           ETICKET_RESULT_OK);
    eticket_outcome_free(o);

    eticket_outcome_free(NULL);
    eticket_gate_free(gate);
    eticket_gate_free(NULL);
    eticket_venue_free(venue);
    eticket_venue_free(NULL);
    eticket_revocation_list_free(list);
    eticket_revocation_list_free(other);
    eticket_key_set_free(keys);
    free(root);
    free(kb);
    free(event);
}

static void chips_and_paper(const char *data) {
    eticket_chip *chip = NULL;
    eticket_test_card *card = NULL;
    eticket_chip_info info;
    uint8_t buf[64];
    size_t n = 0;
    char path[4096];

    EXPECT(eticket_chip_open_callback(NULL, NULL, &chip), NUL);
    EXPECT(eticket_chip_open_callback(liar, NULL, NULL), NUL);
    for (mode = 0; mode < 5; mode++) {
        eticket_result r = eticket_chip_open_callback(liar, NULL, &chip);
        CHECK(r == (mode == 4 ? ETICKET_RESULT_CARD_RESET
                              : ETICKET_RESULT_TRANSPORT_FAILED));
        CHECK(chip == NULL);
    }
    /* Lying cards end with their own code, after a bounded number of
     * exchanges: the call returns, nothing spins. */
    for (mode = 6; mode <= 8; mode++) {
        chip = NULL;
        EXPECT(eticket_chip_open_callback(liar, NULL, &chip),
               ETICKET_RESULT_CHIP_MISBEHAVED);
        CHECK(chip == NULL);
    }
    mode = 5; /* a card that says 9000 to everything */
    EXPECT(eticket_chip_open_callback(liar, NULL, &chip), ETICKET_RESULT_OK);
    EXPECT(eticket_chip_get_info(chip, &info), ETICKET_RESULT_CHIP_MALFORMED);
    EXPECT(eticket_chip_get_info(chip, NULL), NUL);
    EXPECT(eticket_chip_get_info(NULL, &info), NUL);
    EXPECT(eticket_chip_list_slots(chip, buf, sizeof buf, &n),
           ETICKET_RESULT_CHIP_MALFORMED);
    EXPECT(eticket_chip_read(chip, 0, buf, sizeof buf, &n),
           ETICKET_RESULT_MALFORMED);
    EXPECT(eticket_chip_read(chip, 0, NULL, 3, &n), NUL);
    EXPECT(eticket_chip_write(chip, NULL, 1, garbage, 1, NULL), NUL);
    EXPECT(eticket_chip_delete(NULL, garbage, 1, NULL), NUL);
    {
        static uint8_t big[4096];
        EXPECT(eticket_chip_write(chip, big, sizeof big, garbage, 1, NULL),
               ETICKET_RESULT_INPUT_TOO_LARGE);
        EXPECT(eticket_chip_delete(chip, big, sizeof big, NULL),
               ETICKET_RESULT_INPUT_TOO_LARGE);
        EXPECT(eticket_chip_apply_grant(chip, NULL, 0, big, sizeof big, NULL,
                                        0, NULL),
               NUL);
    }
    EXPECT(eticket_chip_sign_transfer(chip, 0, garbage, 3, DEMO_NOW, garbage,
                                      4, buf, sizeof buf, &n),
           ETICKET_RESULT_INVALID_PARAMETER);
    EXPECT(eticket_chip_sign_transfer(chip, 0, garbage, 16, DEMO_NOW, NULL, 4,
                                      buf, sizeof buf, &n),
           NUL);
    EXPECT(eticket_chip_sign_cancel(chip, 0, garbage, 3, DEMO_NOW, NULL, 4,
                                    buf, sizeof buf, &n),
           NUL);
    EXPECT(eticket_chip_pin_tries_left(chip, NULL), NUL);
    {
        /* A card's proof: an empty answer is malformed; a challenge of
         * another length never reaches the card. */
        eticket_chip_proof proof;
        static const uint8_t challenge[32];
        EXPECT(eticket_chip_prove(chip, challenge, sizeof challenge, &proof),
               ETICKET_RESULT_CHIP_MALFORMED);
        EXPECT(eticket_chip_prove(chip, challenge, 31, &proof),
               ETICKET_RESULT_INVALID_PARAMETER);
        EXPECT(eticket_chip_prove(chip, NULL, 32, &proof), NUL);
        EXPECT(eticket_chip_prove(chip, challenge, 32, NULL), NUL);
        EXPECT(eticket_chip_prove(NULL, challenge, 32, &proof), NUL);
    }
    {
        eticket_member_record record;
        EXPECT(eticket_chip_member(chip, &record), ETICKET_RESULT_CHIP_MALFORMED);
        EXPECT(eticket_chip_member(chip, NULL), NUL);
        EXPECT(eticket_chip_member(NULL, &record), NUL);
    }
    EXPECT(eticket_chip_apply_grant(chip, NULL, DEMO_NOW, garbage, 1, NULL, 0,
                                    NULL),
           NUL);
    eticket_chip_free(chip);
    eticket_chip_free(NULL);
    chip = NULL;

    EXPECT(eticket_test_card_open(NULL, &card), NUL);
    EXPECT(eticket_test_card_open("/nonexistent/card.state", &card),
           ETICKET_RESULT_IO);
    snprintf(path, sizeof path, "%s/event.json", data);
    EXPECT(eticket_test_card_open(path, &card), ETICKET_RESULT_CHIP_MALFORMED);
    CHECK(card == NULL);
    CHECK(eticket_test_card_transmit(NULL, garbage, 4, buf, sizeof buf, &n) ==
          ETICKET_TRANSMIT_STATUS_FAILED);
    snprintf(path, sizeof path, "%s/card_b.state", data);
    EXPECT(eticket_test_card_open(path, &card), ETICKET_RESULT_OK);
    CHECK(eticket_test_card_transmit(card, garbage, sizeof garbage, buf, 1,
                                     &n) == ETICKET_TRANSMIT_STATUS_FAILED);
    CHECK(eticket_test_card_transmit(card, garbage, sizeof garbage, buf,
                                     sizeof buf, &n) ==
          ETICKET_TRANSMIT_STATUS_OK);
    CHECK(n == 2); /* a status word refusing the garbage */
    eticket_test_card_free(card);
    eticket_test_card_free(NULL);

    EXPECT(eticket_chip_open_pcsc(NULL, &chip), NUL);

    {
        size_t len, event_len;
        unsigned char *paper = read_file(data, "paper_1.bin", &len);
        unsigned char *event = read_file(data, "event.json", &event_len);
        char text[8];
        EXPECT(eticket_paper_render_svg(NULL, 5, event, event_len, buf,
                                        sizeof buf, &n),
               NUL);
        EXPECT(eticket_paper_render_svg(paper, len, NULL, 5, buf, sizeof buf,
                                        &n),
               NUL);
        EXPECT(eticket_paper_render_svg(paper, len, event, event_len, buf,
                                        sizeof buf, NULL),
               NUL);
        EXPECT(eticket_paper_render_svg(garbage, sizeof garbage, event,
                                        event_len, buf, sizeof buf, &n),
               ETICKET_RESULT_MALFORMED);
        EXPECT(eticket_paper_render_png(paper, len, garbage, sizeof garbage,
                                        buf, sizeof buf, &n),
               ETICKET_RESULT_INVALID_EVENT_INFO);
        EXPECT(eticket_paper_render_png(paper, len, event, event_len, buf,
                                        sizeof buf, &n),
               ETICKET_RESULT_BUFFER_TOO_SMALL);
        CHECK(n > sizeof buf);
        EXPECT(eticket_paper_payload(paper, len, text, sizeof text, &n),
               ETICKET_RESULT_BUFFER_TOO_SMALL);
        CHECK(n > sizeof text);
        EXPECT(eticket_paper_payload(garbage, sizeof garbage, text,
                                     sizeof text, &n),
               ETICKET_RESULT_MALFORMED);
        free(paper);
        free(event);
    }
}

/* A gate device against nothing, with bad and missing parts. */
static void devices(const char *data, const char *work) {
    size_t root_len;
    unsigned char *root = read_file(data, "root.pub", &root_len);
    eticket_device_config c;
    eticket_venue *venue = NULL;
    eticket_gate *gate = NULL;
    eticket_sync_status st;
    bool offline = true;
    char path[4096];

    snprintf(path, sizeof path, "%s/device.db", work);
    EXPECT(eticket_device_config_init(NULL), NUL);
    EXPECT(eticket_device_config_init(&c), ETICKET_RESULT_OK);
    CHECK(c.deadline_ms == 300 && c.retry_after_ms == 2000 && c.unit_address == NULL);
    EXPECT(eticket_device_open(NULL, DEMO_NOW, &venue, &gate), NUL);
    EXPECT(eticket_device_open(&c, DEMO_NOW, &venue, &gate), NUL);
    c.unit_address = "127.0.0.1:1"; /* nothing listens there */
    c.log_path = path;
    c.root_key_id = DEMO_ROOT_KEY_ID;
    c.root_public_key = root;
    c.root_public_key_len = root_len;
    c.credential_json = "{\"device\": \"x\"";
    EXPECT(eticket_device_open(&c, DEMO_NOW, &venue, &gate), ETICKET_RESULT_MALFORMED);
    c.credential_json =
        "{\"device\": \"north\", \"gate\": 1, \"secret\": "
        "\"0000000000000000000000000000000000000000000000000000000000000000\"}";
    c.root_public_key_len = 3;
    EXPECT(eticket_device_open(&c, DEMO_NOW, &venue, &gate), ETICKET_RESULT_INVALID_KEY);
    c.root_public_key_len = root_len;
    EXPECT(eticket_device_open(&c, DEMO_NOW, NULL, &gate), NUL);
    EXPECT(eticket_device_open(&c, DEMO_NOW, &venue, NULL), NUL);
    /* No unit and nothing kept from before. */
    EXPECT(eticket_device_open(&c, DEMO_NOW, &venue, &gate),
           ETICKET_RESULT_VENUE_UNREACHABLE);
    CHECK(venue == NULL && gate == NULL);
    EXPECT(eticket_gate_sync(NULL, DEMO_NOW, &st), NUL);
    EXPECT(eticket_outcome_offline(NULL, &offline), NUL);
    free(root);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s DATA_DIR WORK_DIR\n", argv[0]);
        return 2;
    }
    version_and_errors();
    keys_and_lists(argv[1]);
    venue_and_gate(argv[1], argv[2]);
    chips_and_paper(argv[1]);
    devices(argv[1], argv[2]);
    if (failures != 0) {
        fprintf(stderr, "misuse: %d check(s) failed\n", failures);
        return 1;
    }
    printf("misuse: every call returned its documented code\n");
    return 0;
}
