/* A gate vendor's program that uses SQLite itself, next to libeticket (whose
 * entry log uses the SQLite bundled inside the library). Linked statically
 * and dynamically against the system's SQLite: each side must get the
 * SQLite it expects, and the link must not clash.
 *
 * usage: sqlite_beside DATA_DIR WORK_DIR */
#define _POSIX_C_SOURCE 200809L /* for util.h's nanosleep */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eticket.h"

#include "../../examples/c/util.h"

/* The program's own database: it must be the system SQLite it was compiled
 * against, answering as itself. */
static void own_database(const char *work_dir) {
    char path[4096];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    CHECK(strcmp(sqlite3_libversion(), SQLITE_VERSION) == 0);
    CHECK(sqlite3_libversion_number() == SQLITE_VERSION_NUMBER);
    snprintf(path, sizeof path, "%s/vendor.db", work_dir);
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "CREATE TABLE IF NOT EXISTS lanes (id INTEGER PRIMARY KEY, "
                       "name TEXT); INSERT INTO lanes (name) VALUES ('north-1');",
                       NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "SELECT count(*), sqlite_version() FROM lanes",
                             -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) >= 1);
    CHECK(strcmp((const char *)sqlite3_column_text(st, 1), SQLITE_VERSION) == 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(int argc, char **argv) {
    const char *data_dir, *work_dir;
    unsigned char *root, *keys_bytes, *list_bytes, *event, *paper;
    size_t root_len, keys_len, list_len, event_len, paper_len;
    eticket_key_set *keys = NULL;
    eticket_revocation_list *list = NULL;
    eticket_venue *venue = NULL;
    eticket_gate *gate = NULL;
    eticket_outcome *o = NULL;
    eticket_outcome_info info;
    char log_path[4096];

    if (argc != 3) {
        fprintf(stderr, "usage: %s DATA_DIR WORK_DIR\n", argv[0]);
        return 2;
    }
    data_dir = argv[1];
    work_dir = argv[2];
    own_database(work_dir);

    root = read_file(data_dir, "root.pub", &root_len);
    keys_bytes = read_file(data_dir, "keyset.bin", &keys_len);
    list_bytes = read_file(data_dir, "revocations.bin", &list_len);
    event = read_file(data_dir, "event.json", &event_len);
    paper = read_file(data_dir, "paper_1.bin", &paper_len);
    EXPECT(eticket_key_set_load(keys_bytes, keys_len, DEMO_ROOT_KEY_ID, root,
                                root_len, &keys),
           ETICKET_RESULT_OK);
    EXPECT(eticket_revocation_list_load(list_bytes, list_len, keys, DEMO_NOW,
                                        &list),
           ETICKET_RESULT_OK);
    snprintf(log_path, sizeof log_path, "%s/entries.db", work_dir);
    EXPECT(eticket_venue_open(log_path, event, event_len, keys, list, NULL,
                              &venue),
           ETICKET_RESULT_OK);
    EXPECT(eticket_venue_open_gate(venue, 1, "north-1", &gate),
           ETICKET_RESULT_OK);
    EXPECT(eticket_gate_admit_paper(gate, paper, paper_len, DEMO_NOW, &o),
           ETICKET_RESULT_OK);
    EXPECT(eticket_outcome_get_info(o, &info), ETICKET_RESULT_OK);
    CHECK(info.decision == ETICKET_DECISION_ADMIT);
    eticket_outcome_free(o);

    /* After the library wrote its entry log, the program's SQLite is still
     * the system's. */
    own_database(work_dir);

    eticket_gate_free(gate);
    eticket_venue_free(venue);
    eticket_revocation_list_free(list);
    eticket_key_set_free(keys);
    free(root);
    free(keys_bytes);
    free(list_bytes);
    free(event);
    free(paper);
    if (failures != 0) {
        fprintf(stderr, "sqlite_beside: %d check(s) failed\n", failures);
        return 1;
    }
    printf("sqlite_beside: the program's SQLite %s and libeticket side by side\n",
           sqlite3_libversion());
    return 0;
}
