/* read_capture's C kernel (capread.c): the types a caller shares with it. alphapulse/_capread.py
 * mirrors them with ctypes; fuzz_capread.c calls it directly. */
#ifndef ALPHAPULSE_CAPREAD_H
#define ALPHAPULSE_CAPREAD_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC 0xDEADBEEFu
#define HEADER_SIZE 32
#define MAX_RAW_SIZE (64 << 20)

/* What a call returns. */
enum { CAPREAD_OK = 0, CAPREAD_BROKEN = 1, CAPREAD_NEEDS_ROOM = 2, CAPREAD_REFUSED = 3 };
/* CAPREAD_BROKEN's detail: why block ap_batch.block cannot be read (in the order they are tested). */
enum { BROKEN_COUNT = 1, BROKEN_TOO_SMALL = 2, BROKEN_OUTSIDE = 3, BROKEN_MISALIGNED = 4,
       BROKEN_OUT_OF_PLACE = 5, BROKEN_NO_MAGIC = 6 };
/* Why a frame is refused (in the order section 10 tests them). */
enum { REFUSED_BAD_CHECKSUM = 1, REFUSED_UNKNOWN_TYPE = 2, REFUSED_UNKNOWN_VERSION = 3, REFUSED_BAD_SIZE = 4 };
/* CAPREAD_NEEDS_ROOM's detail when the refused list is full (else: the message type). */
#define ROOM_FOR_REFUSED 256

/* zlib.crc32-compatible functions: ISA-L's crc32_gzip_refl, or zlib's own crc32. */
typedef uint32_t (*crc_isal_fn)(uint32_t crc, const uint8_t *data, uint64_t len);
typedef unsigned long (*crc_zlib_fn)(unsigned long crc, const uint8_t *data, unsigned int len);

/* Lookup tables by message type number, 256 entries each. */
typedef struct {
    const uint64_t *key;          /* a fixed-size type's first 6 header bytes (magic, type, version); else a value no header has */
    const uint32_t *payload;      /* a fixed-size type's payload_size */
    const int64_t *variable_min;  /* a variable-size type's least payload_size; -1 for other types */
    const uint8_t *version;       /* the layout's version; 0: no layout for this type number */
    const uint8_t *wanted;        /* non-zero: keep this type's frames (others are not checked either) */
} ap_tables;

/* One message type's outputs (memory owned by Python); one per type number, 256 in all. The fields
 * a frame updates share a cache line or two, which matters at 10 M frames a second. */
typedef struct {
    uint8_t *data;                /* the frames back to back, without their padding */
    uint64_t *times;              /* receive times */
    int64_t *offsets;             /* variable-size types: where each frame starts in data; else NULL */
    int64_t *sizes;               /* variable-size types: each frame's size */
    uint8_t *fixed;               /* variable-size types: each frame's first fixed_size bytes, back to back */
    int64_t fixed_size;
    int64_t count, count_cap;     /* frames written, and room for (in times, offsets, sizes, fixed) */
    int64_t bytes, bytes_cap;     /* bytes written to data, and room */
} ap_output;

/* One call's batch: inputs, where to resume, and what the call found. */
typedef struct {
    const uint8_t *buf;
    int64_t buf_len;
    const int64_t *blocks;        /* per block: payload position in buf, count, raw_size */
    int64_t block_count;
    crc_isal_fn crc_isal;         /* a CRC function to check every frame's checksum with, */
    crc_zlib_fn crc_zlib;         /* or this one, or neither (both NULL) */
    int64_t stop_at_refused;      /* errors="raise": return at the first refused frame */
    int64_t block, frame;         /* in: where to start (0, 0 for a new batch); out: where it stopped */
    int64_t detail;               /* BROKEN: why; NEEDS_ROOM: the type (or ROOM_FOR_REFUSED); REFUSED: why */
    int64_t room;                 /* NEEDS_ROOM: the bytes of the frame that does not fit */
    int64_t *refused_pos;         /* refused frames: byte position in buf, */
    uint8_t *refused_why;         /* and why, */
    int64_t refused, refused_cap; /* how many are listed (in/out), and room for */
} ap_batch;

/* Reads the batch from (b->block, b->frame) on. Returns CAPREAD_OK at its end, or stops at a broken
 * block (nothing of it is read), at a frame whose outputs are full (call again once they are
 * grown), or at the first refused frame with stop_at_refused. */
int capread_blocks(ap_batch *b, const ap_tables *t, ap_output *outputs);

#endif
