/* A POS / store terminal's program: read a chip's id and counter (what the
 * terminal sends the center to ask for an issuance), write the issued ticket
 * with the center's grant, read it back, print it as a paper ticket (SVG and
 * PNG), then carry out a transfer: the assignor's chip signs the request and
 * the grants that come back are applied to both chips.
 *
 *   pos DATA_DIR WORK_DIR                       cards through the callback
 *   pos DATA_DIR WORK_DIR pcsc READER_A READER_B  cards in two PC/SC readers
 *
 * DATA_DIR holds the demo data (cargo run -p eticket-ffi --example
 * c_test_data -- DATA_DIR); the cards' state files in it are changed, so
 * use a fresh copy per run. The rendered tickets go to WORK_DIR. In
 * callback mode the cards are the library's in-process test cards, reached
 * through the transport callback as a vendor's reader driver would be; in
 * PC/SC mode chip A (card_a.state) is in the first reader whose name starts
 * with READER_A and chip B (card_b.state) in the first starting with
 * READER_B (with pcscd's vpcd: two eticket-vcard processes). Exits 0 when
 * every step went as expected. */
#include "util.h"

static uint32_t transmit(void *userdata, const uint8_t *cmd, size_t cmd_len,
                         uint8_t *resp, size_t resp_cap, size_t *resp_len) {
    return eticket_test_card_transmit(userdata, cmd, cmd_len, resp, resp_cap,
                                      resp_len);
}

/* The readers in PC/SC mode (empty in callback mode). */
static char reader_a[256], reader_b[256];

/* Open a chip handle: over PC/SC in `reader` when one is given, otherwise a
 * test card over the callback. */
static eticket_chip *open_card(const char *data_dir, const char *file,
                               const char *reader, eticket_test_card **card) {
    char path[4096];
    eticket_chip *chip = NULL;
    if (reader[0] != '\0') {
        chip = open_reader(reader);
        if (chip == NULL) {
            exit(1);
        }
        return chip;
    }
    snprintf(path, sizeof path, "%s/%s", data_dir, file);
    EXPECT(eticket_test_card_open(path, card), ETICKET_RESULT_OK);
    EXPECT(eticket_chip_open_callback(transmit, *card, &chip),
           ETICKET_RESULT_OK);
    if (chip == NULL) {
        exit(1);
    }
    return chip;
}

/* Render a paper ticket: ask for the size, allocate, render, save. */
static void render(const unsigned char *ticket, size_t len,
                   const unsigned char *event, size_t event_len,
                   const char *work_dir, int png) {
    size_t need = 0, n = 0;
    unsigned char *buf;
    char path[4096];
    FILE *f;
    eticket_result r =
        png ? eticket_paper_render_png(ticket, len, event, event_len, NULL, 0,
                                       &need)
            : eticket_paper_render_svg(ticket, len, event, event_len, NULL, 0,
                                       &need);
    EXPECT(r, ETICKET_RESULT_BUFFER_TOO_SMALL);
    buf = malloc(need);
    if (buf == NULL) {
        exit(2);
    }
    r = png ? eticket_paper_render_png(ticket, len, event, event_len, buf,
                                       need, &n)
            : eticket_paper_render_svg(ticket, len, event, event_len, buf,
                                       need, &n);
    EXPECT(r, ETICKET_RESULT_OK);
    CHECK(n == need);
    if (png) {
        CHECK(n > 8 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0);
    } else {
        CHECK(n > 4 && memcmp(buf, "<svg", 4) == 0);
    }
    snprintf(path, sizeof path, "%s/ticket.%s", work_dir, png ? "png" : "svg");
    f = fopen(path, "wb");
    if (f != NULL) {
        fwrite(buf, 1, n, f);
        fclose(f);
    }
    printf("paper ticket: %s (%zu bytes)\n", path, n);
    free(buf);
}

int main(int argc, char **argv) {
    const char *data_dir, *work_dir;
    size_t root_len, keys_len, ta_len, ga_len, da_len, tb_len, gb_len, id_len,
        paper_len, event_len;
    unsigned char *root, *keys_bytes, *ticket_a, *grant_a, *delete_a,
        *ticket_b, *grant_b, *id_b, *paper, *event;
    char qr_text[512];
    eticket_key_set *keys = NULL;
    eticket_test_card *card_a = NULL, *card_b = NULL;
    eticket_chip *a, *b;
    eticket_chip_info info;
    eticket_mutation m;
    uint8_t slots[16], read_back[ETICKET_MAX_TICKET_LEN],
        request[ETICKET_MAX_TRANSFER_REQUEST_LEN];
    size_t count = 0, n = 0, request_len = 0;

    if (argc != 3 && !(argc == 6 && strcmp(argv[3], "pcsc") == 0)) {
        fprintf(stderr, "usage: %s DATA_DIR WORK_DIR [pcsc READER_A READER_B]\n",
                argv[0]);
        return 2;
    }
    data_dir = argv[1];
    work_dir = argv[2];
    if (argc == 6 &&
        (find_reader(argv[4], reader_a, sizeof reader_a) != 0 ||
         find_reader(argv[5], reader_b, sizeof reader_b) != 0)) {
        return 1;
    }
    root = read_file(data_dir, "root.pub", &root_len);
    keys_bytes = read_file(data_dir, "keyset.bin", &keys_len);
    ticket_a = read_file(data_dir, "ticket_a.bin", &ta_len);
    grant_a = read_file(data_dir, "grant_write_a.bin", &ga_len);
    delete_a = read_file(data_dir, "grant_delete_a.bin", &da_len);
    ticket_b = read_file(data_dir, "ticket_b.bin", &tb_len);
    grant_b = read_file(data_dir, "grant_write_b.bin", &gb_len);
    id_b = read_file(data_dir, "chip_b.id", &id_len);
    paper = read_file(data_dir, "paper_1.bin", &paper_len);
    event = read_file(data_dir, "event.json", &event_len);
    EXPECT(eticket_key_set_load(keys_bytes, keys_len, DEMO_ROOT_KEY_ID, root,
                                root_len, &keys),
           ETICKET_RESULT_OK);

    /* 1. The chip in front of the terminal: its id and counter go to the
     *    center with the issuance request. */
    a = open_card(data_dir, "card_a.state", reader_a, &card_a);
    EXPECT(eticket_chip_get_info(a, &info), ETICKET_RESULT_OK);
    print_hex("chip A id: ", info.chip_id, sizeof info.chip_id);
    printf("chip A counter %u, %u of %u slots used, personalized %d\n",
           (unsigned)info.counter, (unsigned)info.used,
           (unsigned)info.capacity, (int)info.personalized);
    CHECK(info.personalized && info.used == 0);
    /* The grant keys it trusts go with the request too (grant_keys). */
    CHECK(info.grant_key_count == 1 && info.grant_keys[0] == 2);
    CHECK(info.pin_tries_left == 3);
    printf("chip A trusts grant key %u (epoch %u), %u PIN tries left\n",
           (unsigned)info.grant_keys[0], (unsigned)info.key_epoch,
           (unsigned)info.pin_tries_left);

    /* A write grant given with other bytes, or as a delete: refused with
     * its own code, before anything reaches the chip. */
    EXPECT(eticket_chip_apply_grant(a, keys, DEMO_NOW, grant_a, ga_len,
                                    ticket_b, tb_len, NULL),
           ETICKET_RESULT_GRANT_PAYLOAD_MISMATCH);
    EXPECT(eticket_chip_apply_grant(a, keys, DEMO_NOW, grant_a, ga_len, NULL,
                                    0, NULL),
           ETICKET_RESULT_GRANT_MISMATCH);

    /* 2. Write the issued ticket with the center's write grant. */
    EXPECT(eticket_chip_apply_grant(a, keys, DEMO_NOW, grant_a, ga_len,
                                    ticket_a, ta_len, &m),
           ETICKET_RESULT_OK);
    CHECK(m.counter == info.counter + 1);
    printf("written to slot %u, counter now %u\n", (unsigned)m.slot,
           (unsigned)m.counter);
    /* The same grant again names an old counter: refused before the chip. */
    EXPECT(eticket_chip_apply_grant(a, keys, DEMO_NOW, grant_a, ga_len,
                                    ticket_a, ta_len, NULL),
           ETICKET_RESULT_GRANT_MISMATCH);
    /* Sent to the chip anyway, the chip refuses it itself. */
    EXPECT(eticket_chip_write(a, grant_a, ga_len, ticket_a, ta_len, NULL),
           ETICKET_RESULT_CHIP_REFUSED);

    /* 3. Read it back. */
    EXPECT(eticket_chip_list_slots(a, slots, sizeof slots, &count),
           ETICKET_RESULT_OK);
    CHECK(count == 1 && slots[0] == m.slot);
    EXPECT(eticket_chip_read(a, m.slot, read_back, 4, &n),
           ETICKET_RESULT_BUFFER_TOO_SMALL);
    CHECK(n == ta_len);
    EXPECT(eticket_chip_read(a, m.slot, read_back, sizeof read_back, &n),
           ETICKET_RESULT_OK);
    CHECK(n == ta_len && memcmp(read_back, ticket_a, n) == 0);

    /* 4. A paper ticket for the printer: QR code and stub, or just the QR
     *    code's text for a printer with its own QR engine. A chip's ticket
     *    is not printed. */
    render(paper, paper_len, event, event_len, work_dir, 0);
    render(paper, paper_len, event, event_len, work_dir, 1);
    EXPECT(eticket_paper_payload(paper, paper_len, qr_text, sizeof qr_text, &n),
           ETICKET_RESULT_OK);
    CHECK(n > 4 && strncmp(qr_text, "ET1:", 4) == 0);
    printf("QR text: %.20s... (%zu characters)\n", qr_text, n);
    EXPECT(eticket_paper_render_svg(ticket_a, ta_len, event, event_len, NULL, 0,
                                    &n),
           ETICKET_RESULT_PAPER_RENDER);

    /* 5. Transfer to chip B: chip A signs the request for the center, with
     *    the holder's consent: the PIN the holder types on the PIN pad. A
     *    wrong PIN costs a try; the card blocks after the last one. */
    {
        static const uint8_t wrong_pin[] = {'0', '0', '0', '0'};
        static const uint8_t holder_pin[] = {'1', '2', '3', '4'};
        uint8_t tries = 0;
        EXPECT(eticket_chip_sign_transfer(a, m.slot, id_b, id_len, DEMO_NOW,
                                          wrong_pin, sizeof wrong_pin, request,
                                          sizeof request, &request_len),
               ETICKET_RESULT_WRONG_PIN);
        EXPECT(eticket_chip_pin_tries_left(a, &tries), ETICKET_RESULT_OK);
        printf("wrong PIN: %u tries left\n", (unsigned)tries);
        CHECK(tries == 2);
        EXPECT(eticket_chip_sign_transfer(a, m.slot, id_b, id_len, DEMO_NOW,
                                          holder_pin, sizeof holder_pin,
                                          request, sizeof request,
                                          &request_len),
               ETICKET_RESULT_OK);
    }
    printf("transfer request signed by chip A: %zu bytes\n", request_len);

    /* 6. The center answers with the new ticket and grants: write to B,
     *    delete from A. */
    b = open_card(data_dir, "card_b.state", reader_b, &card_b);
    EXPECT(eticket_chip_apply_grant(b, keys, DEMO_NOW, grant_b, gb_len,
                                    ticket_b, tb_len, NULL),
           ETICKET_RESULT_OK);
    EXPECT(eticket_chip_apply_grant(a, keys, DEMO_NOW, delete_a, da_len, NULL,
                                    0, NULL),
           ETICKET_RESULT_OK);
    EXPECT(eticket_chip_get_info(a, &info), ETICKET_RESULT_OK);
    CHECK(info.used == 0);
    EXPECT(eticket_chip_get_info(b, &info), ETICKET_RESULT_OK);
    CHECK(info.used == 1);
    printf("transfer applied: chip A holds %u tickets, chip B holds %u\n", 0u,
           (unsigned)info.used);

    eticket_chip_free(a);
    eticket_chip_free(b);
    eticket_test_card_free(card_a);
    eticket_test_card_free(card_b);
    eticket_key_set_free(keys);
    free(root);
    free(keys_bytes);
    free(ticket_a);
    free(grant_a);
    free(delete_a);
    free(ticket_b);
    free(grant_b);
    free(id_b);
    free(paper);
    free(event);
    if (failures != 0) {
        fprintf(stderr, "pos: %d check(s) failed\n", failures);
        return 1;
    }
    printf("pos: all steps as expected\n");
    return 0;
}
