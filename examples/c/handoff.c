/* From a real center to a C terminal and a C gate: the steps a vendor's
 * programs take with what `eticket serve` answers over HTTP
 * (scripts/checks/center-handoff.sh runs them against a live center; every
 * input file below is the center's answer, hex decoded where the API gives
 * hex).
 *
 *   handoff card CARD              make a blank test card; print its public key (hex)
 *   handoff personalize CARD DIR PIN
 *                                  personalize it with DIR/answer.json, the
 *                                  answer of POST /v1/chips/personalization; print
 *                                  "chip <id> counter <n> grant_keys <ids>"
 *   handoff write CARD DIR NOW     write DIR/ticket.bin with DIR/grant.bin (from
 *                                  POST …/issue), checked with the key set
 *   handoff chip-id CARD           the blank card's chip id (hex), to register it
 *                                  as a member's card (POST /v1/members, with
 *                                  the public key `card` printed)
 *   handoff personalize-member CARD DIR PIN
 *                                  personalize it with DIR/member.json, the
 *                                  answer of POST /v1/members; print the
 *                                  member record read back, then as personalize
 *   handoff prove CARD CHALLENGE   the card signs CHALLENGE (hex, the answer of
 *                                  POST /v1/terminal/challenges); print the
 *                                  `card` of a terminal purchase as JSON
 *   handoff admit CARD DIR NOW     a gate of the venue unit in DIR admits the card
 *   handoff unit-key DIR NOW       the venue unit's public key (hex), to register
 *                                  it: eticket credential --role unit …
 *   handoff upload DIR NOW NAME    the unit's pending scans, signed, to DIR/batch.bin
 *                                  (the body of POST /v1/events/{id}/entries)
 *   handoff confirm DIR NOW        after the center stored DIR/batch.bin
 *   handoff gate CARD DIR NOW      a gate: the key set (GET /v1/keyset), the
 *                                  event's revocation list (GET …/revocations)
 *                                  and its information (GET /v1/events/{id}),
 *                                  then the card, DIR/paper.bin (admitted)
 *                                  and DIR/revoked.bin (refused: revoked)
 *
 * DIR holds root.pub (the root public key), root_id (its id, decimal),
 * keyset.bin, revocations.bin and event.json. */
#include "util.h"

static uint32_t transmit(void *userdata, const uint8_t *cmd, size_t cmd_len,
                         uint8_t *resp, size_t resp_cap, size_t *resp_len) {
    return eticket_test_card_transmit(userdata, cmd, cmd_len, resp, resp_cap,
                                      resp_len);
}

static eticket_chip *open_chip(const char *path, eticket_test_card **card) {
    eticket_chip *chip = NULL;
    EXPECT(eticket_test_card_open(path, card), ETICKET_RESULT_OK);
    EXPECT(eticket_chip_open_callback(transmit, *card, &chip), ETICKET_RESULT_OK);
    if (chip == NULL) {
        exit(1);
    }
    return chip;
}

/* The key set the center publishes, verified with its root key. */
static eticket_key_set *load_keys(const char *dir) {
    size_t root_len, keys_len, id_len;
    unsigned char *root = read_file(dir, "root.pub", &root_len);
    unsigned char *keys_bytes = read_file(dir, "keyset.bin", &keys_len);
    unsigned char *id_text = read_file(dir, "root_id", &id_len);
    char id_buf[16] = {0};
    eticket_key_set *keys = NULL;
    memcpy(id_buf, id_text, id_len < sizeof id_buf - 1 ? id_len : sizeof id_buf - 1);
    EXPECT(eticket_key_set_load(keys_bytes, keys_len, (uint16_t)atoi(id_buf),
                                root, root_len, &keys),
           ETICKET_RESULT_OK);
    free(root);
    free(keys_bytes);
    free(id_text);
    if (keys == NULL) {
        exit(1);
    }
    return keys;
}

static int chip_id_cmd(const char *path) {
    eticket_test_card *card = NULL;
    eticket_chip *chip = open_chip(path, &card);
    eticket_chip_info info;
    EXPECT(eticket_chip_get_info(chip, &info), ETICKET_RESULT_OK);
    print_hex("", info.chip_id, sizeof info.chip_id);
    eticket_chip_free(chip);
    eticket_test_card_free(card);
    return failures != 0;
}

static int card_cmd(const char *path) {
    eticket_test_card *card = NULL;
    eticket_chip *chip;
    eticket_chip_info info;
    EXPECT(eticket_test_card_create(path), ETICKET_RESULT_OK);
    chip = open_chip(path, &card);
    EXPECT(eticket_chip_get_info(chip, &info), ETICKET_RESULT_OK);
    CHECK(!info.personalized);
    print_hex("", info.public_key, sizeof info.public_key);
    eticket_chip_free(chip);
    eticket_test_card_free(card);
    return failures != 0;
}

/* `file` is DIR/answer.json (a blank card's personalization: a certificate
 * of its key) or DIR/member.json (a membership registration's answer: the
 * member record). */
static int personalize_cmd(const char *path, const char *dir, const char *pin,
                           const char *file) {
    eticket_test_card *card = NULL;
    eticket_chip *chip = open_chip(path, &card);
    eticket_chip_info info;
    eticket_member_record record;
    int membership = strcmp(file, "member.json") == 0;
    size_t answer_len;
    unsigned char *answer = read_file(dir, file, &answer_len);
    uint8_t i;
    /* A PIN of the wrong length is refused before the answer is read. */
    EXPECT(eticket_chip_personalize(chip, (const uint8_t *)"{}", 2,
                                    (const uint8_t *)"12", 2),
           ETICKET_RESULT_INVALID_PARAMETER);
    EXPECT(eticket_chip_personalize(chip, (const uint8_t *)"{", 1,
                                    (const uint8_t *)pin, strlen(pin)),
           ETICKET_RESULT_MALFORMED);
    EXPECT(eticket_chip_personalize(chip, answer, answer_len,
                                    (const uint8_t *)pin, strlen(pin)),
           ETICKET_RESULT_OK);
    /* Once: the card is locked now. */
    EXPECT(eticket_chip_personalize(chip, answer, answer_len,
                                    (const uint8_t *)pin, strlen(pin)),
           ETICKET_RESULT_CHIP_REFUSED);
    EXPECT(eticket_chip_get_info(chip, &info), ETICKET_RESULT_OK);
    CHECK(info.personalized && info.grant_key_count > 0);
    CHECK(info.has_certificate);
    /* A membership card carries its record; the terminal reads it back. */
    EXPECT(eticket_chip_member(chip, &record), ETICKET_RESULT_OK);
    CHECK(record.present == membership);
    if (record.present) {
        printf("member %u of distributor %u until %llu\n", (unsigned)record.member,
               (unsigned)record.distributor,
               (unsigned long long)record.valid_until);
    }
    print_hex("chip ", info.chip_id, sizeof info.chip_id);
    printf("counter %u\ngrant_keys", (unsigned)info.counter);
    for (i = 0; i < info.grant_key_count; i++) {
        printf(" %u", (unsigned)info.grant_keys[i]);
    }
    printf("\n");
    free(answer);
    eticket_chip_free(chip);
    eticket_test_card_free(card);
    return failures != 0;
}

static int write_cmd(const char *path, const char *dir, uint64_t now) {
    eticket_test_card *card = NULL;
    eticket_chip *chip = open_chip(path, &card);
    eticket_key_set *keys = load_keys(dir);
    size_t grant_len, ticket_len;
    unsigned char *grant = read_file(dir, "grant.bin", &grant_len);
    unsigned char *ticket = read_file(dir, "ticket.bin", &ticket_len);
    eticket_mutation m;
    EXPECT(eticket_chip_apply_grant(chip, keys, now, grant, grant_len, ticket,
                                    ticket_len, &m),
           ETICKET_RESULT_OK);
    printf("written to slot %u, counter now %u\n", (unsigned)m.slot,
           (unsigned)m.counter);
    free(grant);
    free(ticket);
    eticket_key_set_free(keys);
    eticket_chip_free(chip);
    eticket_test_card_free(card);
    return failures != 0;
}

static void expect_scan(eticket_result r, eticket_outcome *o, const char *what,
                        uint16_t reason) {
    eticket_outcome_info info;
    char text[512];
    size_t n = 0;
    EXPECT(r, ETICKET_RESULT_OK);
    EXPECT(eticket_outcome_get_info(o, &info), ETICKET_RESULT_OK);
    EXPECT(eticket_outcome_display(o, text, sizeof text, &n), ETICKET_RESULT_OK);
    printf("%-8s %s\n", what, text);
    CHECK(info.reason == reason);
    eticket_outcome_free(o);
}

/* The venue unit over DIR's trust material and entry log. */
static eticket_venue *open_venue(const char *dir, uint64_t now) {
    eticket_key_set *keys = load_keys(dir);
    eticket_revocation_list *list = NULL;
    eticket_venue *venue = NULL;
    size_t list_len, event_len;
    unsigned char *list_bytes = read_file(dir, "revocations.bin", &list_len);
    unsigned char *event = read_file(dir, "event.json", &event_len);
    char log_path[4096];
    EXPECT(eticket_revocation_list_load(list_bytes, list_len, keys, now, &list),
           ETICKET_RESULT_OK);
    snprintf(log_path, sizeof log_path, "%s/entries.db", dir);
    EXPECT(eticket_venue_open(log_path, event, event_len, keys, list, NULL, &venue),
           ETICKET_RESULT_OK);
    eticket_revocation_list_free(list);
    eticket_key_set_free(keys);
    free(list_bytes);
    free(event);
    if (venue == NULL) {
        exit(1);
    }
    return venue;
}

static int unit_key_cmd(const char *dir, uint64_t now) {
    eticket_venue *venue = open_venue(dir, now);
    uint8_t key[ETICKET_PUBLIC_KEY_LEN];
    size_t n = 0;
    EXPECT(eticket_venue_unit_public_key(venue, key, sizeof key, &n), ETICKET_RESULT_OK);
    CHECK(n == sizeof key);
    print_hex("", key, n);
    eticket_venue_free(venue);
    return failures != 0;
}

static int upload_cmd(const char *dir, uint64_t now, const char *name) {
    eticket_venue *venue = open_venue(dir, now);
    uint8_t *batch = malloc(ETICKET_MAX_SIGNED_BATCH_LEN);
    size_t n = 0;
    char path[4096];
    FILE *f;
    if (batch == NULL) {
        return 1;
    }
    EXPECT(eticket_venue_signed_upload(venue, name, 10000, batch,
                                       ETICKET_MAX_SIGNED_BATCH_LEN, &n),
           ETICKET_RESULT_OK);
    snprintf(path, sizeof path, "%s/batch.bin", dir);
    f = fopen(path, "wb");
    CHECK(f != NULL && fwrite(batch, 1, n, f) == n);
    if (f != NULL) {
        fclose(f);
    }
    printf("signed batch of %zu bytes\n", n);
    free(batch);
    eticket_venue_free(venue);
    return failures != 0;
}

static int confirm_cmd(const char *dir, uint64_t now) {
    eticket_venue *venue = open_venue(dir, now);
    size_t n;
    unsigned char *batch = read_file(dir, "batch.bin", &n);
    EXPECT(eticket_venue_confirm_upload(venue, batch, n), ETICKET_RESULT_OK);
    EXPECT(eticket_venue_confirm_upload(venue, batch, 3), ETICKET_RESULT_MALFORMED);
    free(batch);
    eticket_venue_free(venue);
    return failures != 0;
}

/* Print bytes as hex inside a JSON string field. */
static void json_hex(const char *name, const uint8_t *bytes, size_t len,
                     const char *after) {
    size_t i;
    printf("\"%s\": \"", name);
    for (i = 0; i < len; i++) {
        printf("%02x", bytes[i]);
    }
    printf("\"%s", after);
}

static int prove_cmd(const char *path, const char *challenge_hex) {
    eticket_test_card *card = NULL;
    eticket_chip *chip = open_chip(path, &card);
    eticket_chip_info info;
    eticket_chip_proof proof;
    uint8_t challenge[32];
    size_t i;
    if (strlen(challenge_hex) != 2 * sizeof challenge) {
        fprintf(stderr, "prove: the challenge is 64 hex digits\n");
        return 2;
    }
    for (i = 0; i < sizeof challenge; i++) {
        unsigned int byte;
        if (sscanf(challenge_hex + 2 * i, "%2x", &byte) != 1) {
            fprintf(stderr, "prove: the challenge is not hex\n");
            return 2;
        }
        challenge[i] = (uint8_t)byte;
    }
    /* A challenge of another length never reaches the card. */
    EXPECT(eticket_chip_prove(chip, challenge, 31, &proof),
           ETICKET_RESULT_INVALID_PARAMETER);
    EXPECT(eticket_chip_prove(chip, challenge, sizeof challenge, &proof),
           ETICKET_RESULT_OK);
    EXPECT(eticket_chip_get_info(chip, &info), ETICKET_RESULT_OK);
    CHECK(memcmp(proof.chip_id, info.chip_id, sizeof info.chip_id) == 0);
    printf("{");
    json_hex("chip", proof.chip_id, sizeof proof.chip_id, ", ");
    json_hex("public_key", proof.public_key, sizeof proof.public_key, ", ");
    json_hex("challenge", challenge, sizeof challenge, ", ");
    json_hex("answer", proof.answer, sizeof proof.answer, "}\n");
    eticket_chip_free(chip);
    eticket_test_card_free(card);
    return failures != 0;
}

static int admit_cmd(const char *path, const char *dir, uint64_t now) {
    eticket_venue *venue = open_venue(dir, now);
    eticket_gate *gate = NULL;
    eticket_outcome *o = NULL;
    eticket_test_card *card = NULL;
    eticket_chip *chip;
    eticket_result r;
    EXPECT(eticket_venue_open_gate(venue, 1, "foyer-1", &gate), ETICKET_RESULT_OK);
    if (gate == NULL) {
        return 1;
    }
    chip = open_chip(path, &card);
    r = eticket_gate_admit_chip(gate, chip, now, &o);
    expect_scan(r, o, "member", ETICKET_REASON_NONE);
    eticket_chip_free(chip);
    eticket_test_card_free(card);
    eticket_gate_free(gate);
    eticket_venue_free(venue);
    return failures != 0;
}

static int gate_cmd(const char *path, const char *dir, uint64_t now) {
    eticket_key_set *keys = load_keys(dir);
    eticket_revocation_list *list = NULL;
    eticket_venue *venue = NULL;
    eticket_gate *gate = NULL;
    eticket_outcome *o = NULL;
    eticket_test_card *card = NULL;
    eticket_chip *chip;
    eticket_result r;
    size_t list_len, event_len, paper_len, revoked_len;
    unsigned char *list_bytes = read_file(dir, "revocations.bin", &list_len);
    unsigned char *event = read_file(dir, "event.json", &event_len);
    unsigned char *paper = read_file(dir, "paper.bin", &paper_len);
    unsigned char *revoked = read_file(dir, "revoked.bin", &revoked_len);
    char log_path[4096];
    EXPECT(eticket_revocation_list_load(list_bytes, list_len, keys, now, &list),
           ETICKET_RESULT_OK);
    snprintf(log_path, sizeof log_path, "%s/entries.db", dir);
    EXPECT(eticket_venue_open(log_path, event, event_len, keys, list, NULL, &venue),
           ETICKET_RESULT_OK);
    EXPECT(eticket_venue_open_gate(venue, 1, "foyer-1", &gate), ETICKET_RESULT_OK);
    if (gate == NULL) {
        return 1;
    }
    chip = open_chip(path, &card);
    r = eticket_gate_admit_chip(gate, chip, now, &o);
    expect_scan(r, o, "chip", ETICKET_REASON_NONE);
    r = eticket_gate_admit_paper(gate, paper, paper_len, now, &o);
    expect_scan(r, o, "paper", ETICKET_REASON_NONE);
    r = eticket_gate_admit_paper(gate, revoked, revoked_len, now, &o);
    expect_scan(r, o, "revoked", ETICKET_REASON_REVOKED);
    eticket_chip_free(chip);
    eticket_test_card_free(card);
    eticket_gate_free(gate);
    eticket_venue_free(venue);
    eticket_revocation_list_free(list);
    eticket_key_set_free(keys);
    free(list_bytes);
    free(event);
    free(paper);
    free(revoked);
    return failures != 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "card") == 0) {
        return card_cmd(argv[2]);
    }
    if (argc == 5 && strcmp(argv[1], "personalize") == 0) {
        return personalize_cmd(argv[2], argv[3], argv[4], "answer.json");
    }
    if (argc == 5 && strcmp(argv[1], "personalize-member") == 0) {
        return personalize_cmd(argv[2], argv[3], argv[4], "member.json");
    }
    if (argc == 3 && strcmp(argv[1], "chip-id") == 0) {
        return chip_id_cmd(argv[2]);
    }
    if (argc == 5 && strcmp(argv[1], "write") == 0) {
        return write_cmd(argv[2], argv[3], strtoull(argv[4], NULL, 10));
    }
    if (argc == 4 && strcmp(argv[1], "prove") == 0) {
        return prove_cmd(argv[2], argv[3]);
    }
    if (argc == 5 && strcmp(argv[1], "admit") == 0) {
        return admit_cmd(argv[2], argv[3], strtoull(argv[4], NULL, 10));
    }
    if (argc == 4 && strcmp(argv[1], "unit-key") == 0) {
        return unit_key_cmd(argv[2], strtoull(argv[3], NULL, 10));
    }
    if (argc == 5 && strcmp(argv[1], "upload") == 0) {
        return upload_cmd(argv[2], strtoull(argv[3], NULL, 10), argv[4]);
    }
    if (argc == 4 && strcmp(argv[1], "confirm") == 0) {
        return confirm_cmd(argv[2], strtoull(argv[3], NULL, 10));
    }
    if (argc == 5 && strcmp(argv[1], "gate") == 0) {
        return gate_cmd(argv[2], argv[3], strtoull(argv[4], NULL, 10));
    }
    fprintf(stderr,
            "usage: handoff card CARD | chip-id CARD | personalize CARD DIR PIN |"
            " personalize-member CARD DIR PIN |"
            " write CARD DIR NOW | gate CARD DIR NOW | prove CARD CHALLENGE |"
            " admit CARD DIR NOW | unit-key DIR NOW |"
            " upload DIR NOW NAME | confirm DIR NOW\n");
    return 2;
}
