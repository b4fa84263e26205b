/* The two functions libFuzzer's -print_coverage=1 asks a sanitizer runtime
 * for, for a build without sanitizer (fuzz/coverage.sh preloads this): a
 * program counter is "described" as its offset in its module, which
 * coverage.sh then names with llvm-symbolizer. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int __sanitizer_get_module_and_offset_for_pc(void *pc, char *name, size_t len, void **offset) {
    Dl_info info;
    if (!dladdr(pc, &info)) {
        return 0;
    }
    if (name && len) {
        snprintf(name, len, "%s", info.dli_fname);
    }
    if (offset) {
        *offset = (void *)((uintptr_t)pc - (uintptr_t)info.dli_fbase);
    }
    return 1;
}

void __sanitizer_symbolize_pc(void *pc, const char *format, char *out, size_t len) {
    Dl_info info;
    uintptr_t offset = (uintptr_t)pc;
    (void)format;
    if (dladdr(pc, &info)) {
        offset -= (uintptr_t)info.dli_fbase;
    }
    snprintf(out, len, "0x%lx", (unsigned long)offset);
}
