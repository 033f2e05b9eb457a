/* The signing guard of a validator: its key signs consensus messages only through here,
 * and what the consensus core asks to persist (the last votes it signed, its lock) is
 * written to HOME/consensus.state (temp file, fsync, rename, directory fsync) before the
 * vote it protects is sent, and restored at start (consensus.md §12). A restarted
 * validator therefore never signs a second, different vote for a height and round. */
#ifndef NET_GUARD_H
#define NET_GUARD_H

#include "ldg_block.h"
#include "ldg_key.h"
#include "ldg_limits.h"
#include "net_consensus.h"

typedef struct net_guard {
    char path[NET_PATH_MAX]; /* HOME/consensus.state */
    char dir[NET_PATH_MAX];  /* HOME, fsynced after the rename */
    const ldg_keypair *key;  /* the validator's key (owned by the node) */
} net_guard;

void net_guard_init(net_guard *g, const char *home, const ldg_keypair *key);
/* Writes p durably; false (errno set) if it could not: the vote must not be sent. */
bool net_guard_persist(net_guard *g, const net_cons_persisted *p);
/* 1: restored into p; 0: no file; -1: unreadable (refuse to start: could double-sign). */
int net_guard_restore(const net_guard *g, net_cons_persisted *p);
/* The consensus core's crypto callbacks: sign (ctx is the guard), verify (ctx unused). */
bool net_guard_sign(void *ctx, uint8_t sig[NET_CONS_SIG_LEN], const uint8_t *msg, size_t len);
bool net_guard_verify(void *ctx, const uint8_t pubkey[NET_CONS_PUBKEY_LEN], const uint8_t *msg,
                      size_t len, const uint8_t sig[NET_CONS_SIG_LEN]);
/* Whether m carries a valid signature of its validator, one of vals[0..nval), on the chain
 * named chain_id. */
bool net_guard_signed_by(const uint8_t (*vals)[NET_CONS_PUBKEY_LEN], uint32_t nval,
                         const char *chain_id, const net_cons_msg *m);
/* The certificate of the core's COMMIT action a (its precommit signatures), verified for
 * chain_id against vals[0..nval): allocated (the caller frees it), or NULL if it does not
 * verify. */
ldg_cert *net_guard_cert(const net_cons_action *a, const char *chain_id, const ldg_pubkey *vals,
                         uint32_t nval);

#endif
