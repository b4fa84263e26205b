/* Small helpers shared by the C examples: reading test data files and
 * checking results. Not part of the library. */
#ifndef ETICKET_EXAMPLE_UTIL_H
#define ETICKET_EXAMPLE_UTIL_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* nanosleep; define it before any header */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eticket.h"

/* "Now" of the demo data: 2026-09-21T14:13:20Z, the demo event's start. */
#define DEMO_NOW 1790000000ULL
/* The id of the root key that signs the demo key sets. */
#define DEMO_ROOT_KEY_ID 100
/* The demo event's id. */
#define DEMO_EVENT_ID 2026

static int failures = 0;

/* Print the library's message for a result code. */
static inline void print_error(const char *what, eticket_result r) {
    char msg[256];
    size_t n = 0;
    if (eticket_error(r, msg, sizeof msg, &n) != ETICKET_RESULT_OK) {
        strcpy(msg, "(no message)");
    }
    fprintf(stderr, "%s: error %u: %s\n", what, (unsigned)r, msg);
}

/* Check that a call returned `want`; count a failure otherwise. */
#define EXPECT(call, want)                                                   \
    do {                                                                     \
        eticket_result got_ = (call);                                        \
        if (got_ != (eticket_result)(want)) {                                \
            fprintf(stderr, "%s:%d: %s returned %u, expected %u\n",          \
                    __FILE__, __LINE__, #call, (unsigned)got_,               \
                    (unsigned)(want));                                       \
            print_error(#call, got_);                                        \
            failures++;                                                      \
        }                                                                    \
    } while (0)

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,           \
                    __LINE__, #cond);                                        \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* A file's bytes, malloc'd; exits when it cannot be read. */
static inline unsigned char *read_file(const char *dir, const char *name,
                                size_t *len) {
    char path[4096];
    FILE *f;
    long size;
    unsigned char *buf;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    buf = malloc(size > 0 ? (size_t)size : 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    *len = (size_t)size;
    return buf;
}

static inline void print_hex(const char *label, const uint8_t *bytes, size_t len) {
    size_t i;
    printf("%s", label);
    for (i = 0; i < len; i++) {
        printf("%02x", bytes[i]);
    }
    printf("\n");
}

/* The first PC/SC reader whose name starts with `prefix`, into `name`;
 * waits up to 20 s for a card in it. Returns 0 on success. */
static inline int find_reader(const char *prefix, char *name, size_t cap) {
    char readers[4096];
    size_t len = 0;
    const char *r;
    eticket_result res = eticket_pcsc_list_readers(readers, sizeof readers, &len);
    if (res != ETICKET_RESULT_OK) {
        print_error("eticket_pcsc_list_readers", res);
        return 1;
    }
    for (r = readers; *r != '\0'; r += strlen(r) + 1) {
        if (strncmp(r, prefix, strlen(prefix)) == 0 && strlen(r) < cap) {
            strcpy(name, r);
            res = eticket_pcsc_wait_for_card(name, 20000);
            if (res != ETICKET_RESULT_OK) {
                print_error("eticket_pcsc_wait_for_card", res);
                return 1;
            }
            return 0;
        }
    }
    fprintf(stderr, "no PC/SC reader starting with \"%s\"\n", prefix);
    return 1;
}

/* Connect to the card in `reader`. A card that was just put in may not
 * answer yet (pcscd still powers it up, or still sees the one before):
 * retry for up to ten seconds. */
static inline eticket_chip *open_reader(const char *reader) {
    const struct timespec pause = {0, 100 * 1000 * 1000};
    eticket_chip *chip = NULL;
    eticket_result r = ETICKET_RESULT_NO_CARD;
    int i;
    for (i = 0; i < 100; i++) {
        r = eticket_chip_open_pcsc(reader, &chip);
        if (r == ETICKET_RESULT_OK) {
            return chip;
        }
        if (r != ETICKET_RESULT_PCSC && r != ETICKET_RESULT_NO_CARD &&
            r != ETICKET_RESULT_CARD_RESET) {
            break;
        }
        nanosleep(&pause, NULL);
    }
    print_error("eticket_chip_open_pcsc", r);
    return NULL;
}

#endif
