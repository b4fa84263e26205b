/* Small helpers shared by the C examples: reading test data files and
 * checking results. Not part of the library. */
#ifndef ETICKET_EXAMPLE_UTIL_H
#define ETICKET_EXAMPLE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
