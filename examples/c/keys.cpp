// C++ use of the header: RAII owners for the library's handles, error text
// as std::string, and a key set plus revocation list loaded and updated.
//
//   keys DATA_DIR
//
// DATA_DIR holds the demo data (cargo run -p eticket-ffi --example
// c_test_data -- DATA_DIR). Exits 0 when every step went as expected.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "eticket.h"

namespace {

const std::uint64_t demo_now = 1790000000ULL;
int failures = 0;

// The message for a result code, sized with the library's size query.
std::string error_text(eticket_result code) {
    std::size_t need = 0;
    if (eticket_error(code, nullptr, 0, &need) != ETICKET_RESULT_BUFFER_TOO_SMALL) {
        return "(no message)";
    }
    std::string text(need, '\0');
    std::size_t len = 0;
    if (eticket_error(code, &text[0], text.size(), &len) != ETICKET_RESULT_OK) {
        return "(no message)";
    }
    text.resize(len);
    return text;
}

void expect(eticket_result got, eticket_result want, const char *what) {
    if (got != want) {
        std::fprintf(stderr, "%s: %s (%u), expected %u\n", what, error_text(got).c_str(),
                     static_cast<unsigned>(got), static_cast<unsigned>(want));
        ++failures;
    }
}

std::vector<std::uint8_t> read(const std::string &dir, const char *name) {
    std::ifstream in(dir + "/" + name, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s/%s\n", dir.c_str(), name);
        std::exit(2);
    }
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct KeySetFree {
    void operator()(eticket_key_set *p) const { eticket_key_set_free(p); }
};
struct ListFree {
    void operator()(eticket_revocation_list *p) const { eticket_revocation_list_free(p); }
};
using KeySet = std::unique_ptr<eticket_key_set, KeySetFree>;
using RevocationList = std::unique_ptr<eticket_revocation_list, ListFree>;

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    std::printf("libeticket %s (header %s)\n", eticket_version(), ETICKET_VERSION_STRING);
    if (eticket_version_number() != ETICKET_VERSION_NUMBER) {
        return 1;
    }
    for (eticket_result code : {ETICKET_RESULT_OK, ETICKET_RESULT_NULL_PARAMETER,
                                ETICKET_RESULT_BAD_SIGNATURE, ETICKET_RESULT_CHIP_REFUSED,
                                ETICKET_RESULT_ENTRY_LOG_DATABASE, ETICKET_RESULT_PANIC}) {
        std::printf("%3u %s\n", static_cast<unsigned>(code), error_text(code).c_str());
    }

    const auto root = read(dir, "root.pub");
    const auto v1 = read(dir, "keyset.bin");
    const auto v2 = read(dir, "keyset_v2.bin");
    eticket_key_set *raw_keys = nullptr;
    expect(eticket_key_set_load(v1.data(), v1.size(), 100, root.data(), root.size(), &raw_keys),
           ETICKET_RESULT_OK, "load key set");
    KeySet keys(raw_keys);
    expect(eticket_key_set_update(keys.get(), v2.data(), v2.size()), ETICKET_RESULT_OK,
           "update key set");
    expect(eticket_key_set_update(keys.get(), v1.data(), v1.size()), ETICKET_RESULT_NOT_NEWER,
           "older key set");
    std::uint64_t version = 0;
    expect(eticket_key_set_version(keys.get(), &version), ETICKET_RESULT_OK, "key set version");
    if (version != 2) {
        ++failures;
    }

    const auto list_bytes = read(dir, "revocations.bin");
    const auto delta = read(dir, "delta.bin");
    eticket_revocation_list *raw_list = nullptr;
    expect(eticket_revocation_list_load(list_bytes.data(), list_bytes.size(), keys.get(),
                                        demo_now, &raw_list),
           ETICKET_RESULT_OK, "load revocation list");
    RevocationList list(raw_list);
    expect(eticket_revocation_list_apply_delta(list.get(), delta.data(), delta.size(), keys.get(),
                                               demo_now),
           ETICKET_RESULT_OK, "apply delta");
    expect(eticket_revocation_list_apply_delta(list.get(), delta.data(), delta.size(), keys.get(),
                                               demo_now),
           ETICKET_RESULT_REVOCATION_VERSION, "apply delta twice");
    bool revoked = false;
    expect(eticket_revocation_list_contains(list.get(), 14, 0, &revoked), ETICKET_RESULT_OK,
           "contains");
    if (!revoked) {
        ++failures;
    }
    if (failures != 0) {
        std::fprintf(stderr, "keys: %d check(s) failed\n", failures);
        return 1;
    }
    std::printf("keys: all steps as expected\n");
    return 0;
}
