/* Keccak-256 as Ethereum uses it (original Keccak padding 0x01..0x80, not SHA3-256's
 * 0x06). The permutation is nettle's nettle_sha3_permute; only the sponge is here. */
#ifndef LDG_KECCAK_H
#define LDG_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha3.h>

#define LDG_KECCAK256_RATE 136 /* bytes absorbed per permutation: (1600 - 2 * 256) / 8 */

/* Incremental hasher; plain value, no allocation. */
typedef struct ldg_keccak {
    struct sha3_state state;
    uint8_t block[LDG_KECCAK256_RATE];
    size_t used; /* bytes buffered in block */
} ldg_keccak;

void ldg_keccak_init(ldg_keccak *k);
void ldg_keccak_update(ldg_keccak *k, const uint8_t *data, size_t len);
/* Writes the 32-byte digest; k must be re-initialised before reuse. */
void ldg_keccak_final(ldg_keccak *k, uint8_t out[32]);

/* One-shot Keccak-256 of data. */
void ldg_keccak256(uint8_t out[32], const uint8_t *data, size_t len);

#endif
