/* libFuzzer target for read_capture's C kernel (capread.c), built with ASan + UBSan by
 * scripts/fuzz.sh (ALPHAPULSE_FUZZ=ON).
 *
 * Input: one options byte (bit 0: verify checksums, bit 1: stop at the first refused frame, bit 2:
 * keep only some types, bit 3: zlib's CRC signature rather than ISA-L's), one byte giving the number
 * of blocks (mod 16), then per block three little-endian u32 (payload position in the buffer, count,
 * raw_size), then the buffer itself, copied to a heap block of its exact size so that any read past
 * it is caught. The block list is as untrusted as the bytes: the kernel must stay inside the buffer
 * whatever it says. Outputs start tiny and grow as the kernel asks (exercising its resumption), as
 * _capread.py does. After each batch, what was kept must be well-formed frames of the right type.
 * fuzz_seeds.py writes seeds in this format from real captures.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capread.h"

#define TYPES 256

static uint32_t crc_bits(uint32_t crc, const uint8_t *p, uint64_t n) {
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t crc_isal_like(uint32_t crc, const uint8_t *p, uint64_t n) { return crc_bits(crc, p, n); }
static unsigned long crc_zlib_like(unsigned long crc, const uint8_t *p, unsigned int n) {
    return crc_bits((uint32_t)crc, p, n);
}

static void check(int ok) {
    if (!ok)
        __builtin_trap();
}

static uint32_t le32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Tables shaped like the real ones: fixed-size types 1 (64 bytes) and 2 (80), a variable-size type 3
 * (96 bytes and more), a fixed-size type 7 at version 2 (40 bytes), a variable-size 9 (32 and more). */
static void make_tables(uint64_t *key, uint32_t *payload, int64_t *variable_min, uint8_t *version, uint8_t *wanted,
                        int filtered) {
    for (int t = 0; t < TYPES; t++) {
        key[t] = UINT64_C(1) << 63;
        payload[t] = 0;
        variable_min[t] = -1;
        version[t] = 0;
        wanted[t] = (uint8_t)(!filtered || t % 3 != 0);
    }
    static const struct { unsigned type, version, size, fixed; } layouts[] = {
        {1, 1, 64, 1}, {2, 1, 80, 1}, {3, 1, 96, 0}, {7, 2, 40, 1}, {9, 1, 32, 0}};
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        unsigned t = layouts[i].type;
        version[t] = (uint8_t)layouts[i].version;
        if (layouts[i].fixed) {
            key[t] = WIRE_MAGIC | ((uint64_t)t << 32) | ((uint64_t)layouts[i].version << 40);
            payload[t] = layouts[i].size - HEADER_SIZE;
        } else {
            variable_min[t] = layouts[i].size - HEADER_SIZE;
        }
    }
}

/* Grows type t's outputs (or the refused list) as _capread.py does when the kernel asks. */
static void grow(ap_batch *b, ap_output *out, const int64_t *variable_min) {
    if (b->detail == ROOM_FOR_REFUSED) {
        b->refused_cap = 2 * b->refused_cap + 1;
        b->refused_pos = realloc(b->refused_pos, (size_t)b->refused_cap * sizeof(int64_t));
        b->refused_why = realloc(b->refused_why, (size_t)b->refused_cap);
        return;
    }
    ap_output *o = out + b->detail;
    o->bytes_cap = 2 * o->bytes_cap + b->room;
    o->count_cap = 2 * o->count_cap + 1;
    o->data = realloc(o->data, (size_t)o->bytes_cap);
    o->times = realloc(o->times, (size_t)o->count_cap * sizeof(uint64_t));
    if (variable_min[b->detail] >= 0) {
        o->fixed_size = variable_min[b->detail] + HEADER_SIZE;
        o->offsets = realloc(o->offsets, (size_t)o->count_cap * sizeof(int64_t));
        o->sizes = realloc(o->sizes, (size_t)o->count_cap * sizeof(int64_t));
        o->fixed = realloc(o->fixed, (size_t)(o->count_cap * o->fixed_size));
    }
}

/* What was kept: whole frames of their own type, back to back, the fixed parts their first bytes,
 * and with verify every checksum right. */
static void check_outputs(const ap_output *out, const ap_tables *t, int verified) {
    for (int type = 0; type < TYPES; type++) {
        const ap_output *o = out + type;
        int64_t at = 0;
        for (int64_t i = 0; i < o->count; i++) {
            int64_t size = o->offsets ? o->sizes[i] : (int64_t)t->payload[type] + HEADER_SIZE;
            check(!o->offsets || o->offsets[i] == at);
            check(size >= HEADER_SIZE && at + size <= o->bytes);
            const uint8_t *frame = o->data + at;
            check(le32(frame) == WIRE_MAGIC && frame[4] == type && t->wanted[type] && frame[5] == t->version[type]);
            check(le32(frame + 8) == (uint32_t)(size - HEADER_SIZE));
            if (o->offsets)
                check(memcmp(o->fixed + i * o->fixed_size, frame, (size_t)o->fixed_size) == 0);
            if (verified)
                check(crc_bits(crc_bits(0, frame, 28), frame + 32, (uint64_t)(size - 32)) == le32(frame + 28));
            at += size;
        }
        check(at == o->bytes);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size) {
    if (size < 2)
        return 0;
    int options = input[0], count = input[1] % 16;
    size_t head = 2 + 12 * (size_t)count;
    if (size < head)
        return 0;
    int64_t blocks[3 * 16];
    for (int k = 0; k < 3 * count; k++)
        blocks[k] = le32(input + 2 + 4 * k);
    size_t len = size - head;
    uint8_t *buf = malloc(len ? len : 1);
    memcpy(buf, input + head, len);

    static uint64_t key[TYPES];
    static uint32_t payload[TYPES];
    static int64_t variable_min[TYPES];
    static uint8_t version[TYPES], wanted[TYPES];
    make_tables(key, payload, variable_min, version, wanted, options & 4);
    ap_tables tables = {key, payload, variable_min, version, wanted};
    ap_output *out = calloc(TYPES, sizeof(ap_output));
    ap_batch b = {0};
    b.buf = buf;
    b.buf_len = (int64_t)len;
    b.blocks = blocks;
    b.block_count = count;
    if (options & 1) {
        if (options & 8)
            b.crc_zlib = crc_zlib_like;
        else
            b.crc_isal = crc_isal_like;
    }
    b.stop_at_refused = (options & 2) != 0;

    int status;
    while ((status = capread_blocks(&b, &tables, out)) == CAPREAD_NEEDS_ROOM || status == CAPREAD_REFUSED) {
        if (status == CAPREAD_NEEDS_ROOM)
            grow(&b, out, variable_min);  /* and a refused frame: go on past it, as a caller may */
    }
    check(status == CAPREAD_OK || status == CAPREAD_BROKEN);
    check(status != CAPREAD_BROKEN || (b.detail >= BROKEN_COUNT && b.detail <= BROKEN_NO_MAGIC));
    for (int64_t i = 0; i < b.refused; i++)
        check(b.refused_pos[i] >= 0 && b.refused_pos[i] < b.buf_len && b.refused_why[i] >= REFUSED_BAD_CHECKSUM &&
              b.refused_why[i] <= REFUSED_BAD_SIZE);
    check_outputs(out, &tables, options & 1);

    for (int type = 0; type < TYPES; type++) {
        free(out[type].data);
        free(out[type].times);
        free(out[type].offsets);
        free(out[type].sizes);
        free(out[type].fixed);
    }
    free(out);
    free(b.refused_pos);
    free(b.refused_why);
    free(buf);
    return 0;
}
