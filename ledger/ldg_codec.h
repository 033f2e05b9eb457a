/* Canonical msgpack (msgpack-c). One byte sequence per value: the encoding msgpack-c's
 * packer produces (smallest integer and length forms), arrays with a fixed field order,
 * no maps, floats or extension types. Decoders reject anything else (specs/encoding.md). */
#ifndef LDG_CODEC_H
#define LDG_CODEC_H

#include "ldg_assert.h"
#include "ldg_err.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- encoding ---- */

typedef struct ldg_enc {
    msgpack_sbuffer buf;
    msgpack_packer pk;
} ldg_enc;

void ldg_enc_init(ldg_enc *e);
void ldg_enc_free(ldg_enc *e);
void ldg_enc_reset(ldg_enc *e); /* empties the buffer, keeps its memory */
void ldg_enc_array(ldg_enc *e, uint32_t n);
void ldg_enc_u64(ldg_enc *e, uint64_t v);
void ldg_enc_i64(ldg_enc *e, int64_t v);
void ldg_enc_bool(ldg_enc *e, bool v);
void ldg_enc_nil(ldg_enc *e);
void ldg_enc_bin(ldg_enc *e, const void *data, size_t len);
void ldg_enc_str(ldg_enc *e, const char *s); /* NUL-terminated */
void ldg_enc_strn(ldg_enc *e, const char *s, size_t len);
/* Appends bytes that already are one canonical msgpack value. */
void ldg_enc_raw(ldg_enc *e, const void *data, size_t len);
static inline const uint8_t *ldg_enc_data(const ldg_enc *e)
{
    return (const uint8_t *)e->buf.data;
}
static inline size_t ldg_enc_len(const ldg_enc *e)
{
    return e->buf.size;
}
/* Moves the buffer out (caller frees with free()); the encoder is left empty. */
uint8_t *ldg_enc_take(ldg_enc *e, size_t *len);

/* ---- decoding ---- */

/* The decoded tree: one msgpack_object per value, the items of each array contiguous, all
 * in one block: `small` when the value holds at most LDG_DEC_SMALL values (no allocation),
 * else one malloc'd block. Since root may then point into the struct itself, a decoded
 * ldg_dec (or a struct holding one) must not be copied or moved: decode it where it stays. */
#define LDG_DEC_SMALL 16

typedef struct ldg_dec {
    const msgpack_object *root; /* valid until ldg_dec_free */
    msgpack_object *heap;       /* the tree if it did not fit in small, else NULL */
    msgpack_object small[LDG_DEC_SMALL];
} ldg_dec;

/* Whether s[0..n) is UTF-8 as RFC 3629 defines it: no overlong form, no UTF-16 surrogate,
 * nothing above U+10FFFF, no truncated sequence (specs/encoding.md 1.3). */
bool ldg_utf8_valid(const uint8_t *s, size_t n);

/* Decodes exactly one canonical value filling [data, data+len). Every string in it, at any
 * depth, is UTF-8 (ldg_utf8_valid). On failure returns LDG_ERR_TEXT if the bytes are canonical
 * msgpack up to a string that is not UTF-8, else LDG_ERR_DECODE; d then needs no free (ldg_dec_free
 * on it is harmless). Nesting is bounded. The tree is the one msgpack-c's msgpack_unpack_next gives
 * for the same bytes (non-negative integers POSITIVE_INTEGER, negative ones NEGATIVE_INTEGER),
 * built without msgpack-c. The decoded strings and binaries point INTO data (zero-copy): keep data
 * alive until ldg_dec_free. The pointer of an empty string or binary must not be dereferenced (it
 * is NULL or somewhere in data, as msgpack-c gives it); an empty array's is not NULL but has no
 * items. */
ldg_err ldg_decode(ldg_dec *d, const uint8_t *data, size_t len) LDG_WARN_UNUSED;
void ldg_dec_free(ldg_dec *d);

/* Typed accessors: each returns false if the object is not of that exact form. */
bool ldg_obj_array(const msgpack_object *o, uint32_t n, const msgpack_object **items);
bool ldg_obj_array_any(const msgpack_object *o, uint32_t max, const msgpack_object **items,
                       uint32_t *n);
bool ldg_obj_u64(const msgpack_object *o, uint64_t *v);
bool ldg_obj_i64(const msgpack_object *o, int64_t *v);
bool ldg_obj_bool(const msgpack_object *o, bool *v);
/* Binary of exactly `len` bytes. */
bool ldg_obj_bin(const msgpack_object *o, uint8_t *out, size_t len);
/* Binary of any length up to max: borrowed pointer into the decoder. */
bool ldg_obj_bin_ref(const msgpack_object *o, size_t max, const uint8_t **data, size_t *len);
/* String of printable UTF-8 without control characters, 1..max bytes, copied NUL-terminated
 * into out (which holds max+1 bytes). Empty strings are rejected unless allow_empty. */
bool ldg_obj_str(const msgpack_object *o, char *out, size_t max, bool allow_empty);

#endif
