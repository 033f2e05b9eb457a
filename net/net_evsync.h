/* Automatic evidence replication and retention (specs/evidence.md §2.4, §2.3): a node with
 * [evidence] mirrors or retention_days runs the sync pass (net_evpass.h, the same code as
 * `folio evidence sync`) in a thread of its own every replicate_every_s seconds. Its side
 * of the pass reads the node's own chain and submits the member's evidence.attest (signed
 * by the key attest_as, default [client] as) through the node's one admission path; lines
 * go to the node's log, counts to /metrics. A sealed attest_as key is opened when the node
 * opens (net_evsync_key); the node does not start without it. One pass at a time, one page of
 * LDG_EV_LIST_MAX roots in memory; the node's stop ends a pass after its current slice. */
#ifndef NET_EVSYNC_H
#define NET_EVSYNC_H

#include "net_node.h"

/* The name of the key that signs the node's evidence.attest: [evidence] attest_as, else
 * [client] as, else "operator". */
const char *net_evsync_key_name(const net_config *cfg);

/* That key into kp. A sealed one is opened with the passphrase from, in order: the file
 * [evidence] attest_passphrase_file (a regular file only its owner may read, one line),
 * pass (what `folio node start` got from $FOLIO_PASSPHRASE or its terminal; may be NULL),
 * $FOLIO_PASSPHRASE. Never a command-line argument. LDG_OK, or with a sentence in err:
 * LDG_ERR_DENIED (sealed, no passphrase), LDG_ERR_CRYPTO (wrong passphrase, or the key file
 * altered), LDG_ERR_INVALID or LDG_ERR_IO (the passphrase file), LDG_ERR_NOT_FOUND (no such
 * key). */
ldg_err net_evsync_key(const char *home, const net_config *cfg, const char *pass, ldg_keypair *kp,
                       char *err, size_t err_len) LDG_WARN_UNUSED;

/* At the node's open: if the config asks for a sync thread, its state, with the key of
 * attest_as when there are mirrors. False with err (the node does not start) if that key
 * cannot be loaded. */
bool net_evsync_open(net_node *n, const char *pass, char *err, size_t err_len);
/* Starts the thread opened; false if it could not start. */
bool net_evsync_start(net_node *n);
/* Stops it (once n->stopping is set): a pass under way ends after its current slice. */
void net_evsync_stop(net_node *n);

#endif
