/* Adler-32 of a buffer, in C: the extension's C code, compiled by the cc crate. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

uint32_t zig_abi3_adler32(const unsigned char *data, size_t len) {
    uint32_t a = 1, b = 0;
    unsigned char block[64];
    while (len > 0) {
        size_t n = len < sizeof block ? len : sizeof block;
        /* memcpy is versioned in glibc (GLIBC_2.14 on x86_64); zig links the 2.17 one. */
        memcpy(block, data, n);
        for (size_t i = 0; i < n; i++) {
            a = (a + block[i]) % 65521;
            b = (b + a) % 65521;
        }
        data += n;
        len -= n;
    }
    return (b << 16) | a;
}
