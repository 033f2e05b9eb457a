/* Root hash of an Ethereum Merkle-Patricia trie built from scratch over a set of
 * (32-byte key, value) pairs, as the state root and storage roots need it. */
#ifndef LDG_MPT_H
#define LDG_MPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldg_assert.h"

typedef struct ldg_mpt_item {
    uint8_t key[32];      /* already hashed (keccak of address or slot) */
    const uint8_t *value; /* borrowed; the RLP the trie stores (non-empty) */
    size_t value_len;
} ldg_mpt_item;

/* keccak256(rlp("")): the root of the empty trie. */
extern const uint8_t LDG_MPT_EMPTY_ROOT[32];

/* Sorts items by key (in place; keys must be distinct) and writes the root hash.
 * Returns false if memory ran out. */
bool ldg_mpt_root(uint8_t root[32], ldg_mpt_item *items, size_t count) LDG_WARN_UNUSED;

#endif
