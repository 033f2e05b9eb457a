/* Signature checks done ahead of execution (specs/chains.md §8.1).
 *
 * A block's expensive signature checks (a sub-chain checkpoint carries a quorum of BIP-340
 * signatures) are known before the block runs. The chain gathers them (the types' sig-job
 * functions, ldg_exec_sigjobs), verifies them on every core at once and remembers the ones
 * that passed; the handler, running serially, then asks ldg_sigcache_verify, which answers
 * from the cache or verifies inline.
 *
 * Determinism: an entry is the salted hash of the exact (key, message, signature) triple that
 * ldg_verify accepted, so a hit says what a fresh ldg_verify of the same triple would say.
 * Only passes are kept, and an entry is spent when asked (a block asks each check once): a
 * miss (evicted, spent, never gathered, another key) verifies inline. A
 * handler's result is therefore the same with or without the cache, on every replica.
 * Bounded: LDG_SIGCACHE_SLOTS entries (evicted by replacement), at most
 * LDG_SIGCACHE_BLOCK_JOBS checks gathered per block. Thread-safe. */
#ifndef LDG_SIGCACHE_H
#define LDG_SIGCACHE_H

#include "ldg_key.h"

#include <stdint.h>

typedef struct ldg_sigcache ldg_sigcache;

/* One signature check: does sig sign msg under pub. */
typedef struct ldg_sigjob {
    ldg_pubkey pub;
    ldg_hash msg;
    ldg_sig sig;
} ldg_sigjob;

typedef struct ldg_sigcache_stats {
    uint64_t hits, misses; /* ldg_sigcache_verify answers from the cache / inline */
    uint64_t filled;       /* checks verified ahead and remembered */
} ldg_sigcache_stats;

/* A fresh cache with a random salt (entries cannot be ground into one bucket). */
ldg_sigcache *ldg_sigcache_new(void);
void ldg_sigcache_free(ldg_sigcache *c);

/* ldg_verify(sig, msg, pub), answered from the cache when this exact triple passed before;
 * c NULL: ldg_verify. */
bool ldg_sigcache_verify(ldg_sigcache *c, const ldg_sig *sig, const ldg_hash *msg,
                         const ldg_pubkey *pub);

/* Verifies the jobs on up to `threads` threads and remembers those that pass. Returns when
 * no job is left to take: helper threads may still be finishing their last ones (a check
 * asked meanwhile is verified inline). jobs is not used after the return. */
void ldg_sigcache_fill(ldg_sigcache *c, const ldg_sigjob *jobs, uint32_t n, unsigned threads);
/* Waits until no helper thread of a fill runs (tests; ldg_sigcache_free waits too). */
void ldg_sigcache_wait(ldg_sigcache *c);

ldg_sigcache_stats ldg_sigcache_get_stats(ldg_sigcache *c);

#endif
