/* RLP encoding (Ethereum yellow paper, appendix B) into a growable buffer. Only what the
 * state root, the logs hash and contract addresses need: byte strings, integers, lists.
 * Allocation failure is sticky in buf->failed; check it once at the end. */
#ifndef LDG_RLP_H
#define LDG_RLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldg_u256.h"

typedef struct ldg_rlp_buf {
    uint8_t *data; /* owned; free with ldg_rlp_free */
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed: contents are incomplete */
} ldg_rlp_buf;

void ldg_rlp_init(ldg_rlp_buf *b);
void ldg_rlp_free(ldg_rlp_buf *b);
void ldg_rlp_reset(ldg_rlp_buf *b); /* len = 0, keeps the allocation */

/* Appends bytes as they are (an already encoded item). */
void ldg_rlp_put_raw(ldg_rlp_buf *b, const uint8_t *data, size_t len);
/* Appends the encoding of a byte string. */
void ldg_rlp_put_bytes(ldg_rlp_buf *b, const uint8_t *data, size_t len);
/* Integers are encoded as their minimal big-endian bytes (zero is the empty string). */
void ldg_rlp_put_u64(ldg_rlp_buf *b, uint64_t v);
void ldg_rlp_put_u256(ldg_rlp_buf *b, ldg_u256 v);

/* A list: remember the start, append the items, then end it to prefix the header. */
size_t ldg_rlp_list_begin(const ldg_rlp_buf *b);
void ldg_rlp_list_end(ldg_rlp_buf *b, size_t start);

#endif
