#include "CPixelKernels.h"
#include <string.h>

/* Packed RGB colours to values through an open-addressing table (keys: 2^bits entries, empty
   slots 0xFFFFFFFF; slot of key k: (k * 0x9E3779B1) >> (32 - bits), then linear probing).
   Colour-coded label maps are mostly runs of one colour: a block of 16 pixels equal to the last
   colour is found with one 48-byte comparison and written at once. */

/* 48 bytes equal, compared as six 64-bit words (no call). */
static inline int same48(const uint8_t *a, const uint8_t *b) {
    uint64_t x[6], y[6], d = 0;
    memcpy(x, a, 48);
    memcpy(y, b, 48);
    for (int k = 0; k < 6; k++) d |= x[k] ^ y[k];
    return d == 0;
}

static inline uint32_t packed(const uint8_t *p) { return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]; }

static inline int find(uint32_t key, const uint32_t *keys, const uint16_t *values, unsigned bits, uint16_t *value) {
    size_t mask = ((size_t)1 << bits) - 1, h = (size_t)((key * 0x9E3779B1u) >> (32 - bits));
    for (;;) {
        uint32_t stored = keys[h];
        if (stored == key) { *value = values[h]; return 1; }
        if (stored == 0xFFFFFFFFu) return 0;
        h = (h + 1) & mask;
    }
}

long sp_colour_map(const uint8_t *rgb, size_t n, const uint32_t *keys, const uint16_t *values, unsigned bits,
                   void *out, int out_bytes) {
    uint8_t pattern[48];
    uint32_t last = 0xFFFFFFFFu;
    uint16_t value = 0;
    uint8_t *o8 = (uint8_t *)out;
    uint16_t *o16 = (uint16_t *)out;
    size_t i = 0;
    while (i < n) {
        if (last != 0xFFFFFFFFu && i + 16 <= n && same48(rgb + 3 * i, pattern)) {
            if (out_bytes == 1) memset(o8 + i, (uint8_t)value, 16);
            else for (int k = 0; k < 16; k++) o16[i + k] = value;
            i += 16;
            continue;
        }
        uint32_t key = packed(rgb + 3 * i);
        if (key != last) {
            if (!find(key, keys, values, bits, &value)) return (long)i;
            last = key;
            for (int k = 0; k < 16; k++) memcpy(pattern + 3 * k, rgb + 3 * i, 3);
        }
        if (out_bytes == 1) o8[i] = (uint8_t)value; else o16[i] = value;
        i++;
    }
    return (long)n;
}
