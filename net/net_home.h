/* A node home: the directory that holds a node's config, keys, genesis and data.
 *
 *   HOME/config.ini      [node] chain_id, rpc (listen/connect url), dev
 *   HOME/genesis.bin     canonical genesis document
 *   HOME/keys/NAME.key   hex secret key, mode 0600 (never printed unless asked)
 *   HOME/keys/NAME.pub   hex x-only public key
 *   HOME/data/           RocksDB
 *   HOME/node.pid, HOME/node.log, HOME/node.sock (ipc RPC socket by default)        */
#ifndef NET_HOME_H
#define NET_HOME_H

#include "ldg_chain.h"
#include "ldg_key.h"
#include "ldg_limits.h"

#include <limits.h>

typedef struct net_config {
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
    char rpc_url[NET_PATH_MAX]; /* "ipc:///abs/path/node.sock" or "tcp://127.0.0.1:7700" */
    char validator_key[NET_KEY_NAME_MAX + 1];
    int rpc_threads;
    int verify_threads;
    /* [p2p] multi-validator transport (net_bft.c). listen and peers are HOST:PORT bases:
     * port+0 consensus (bus0), +1 batches (bus0), +2 block sync (rep0), +3 commits (pub0). */
    char p2p_listen[128];
    char p2p_peers[2048]; /* comma-separated HOST:PORT of the other nodes */
    bool p2p_tls;         /* tls+tcp with mutual authentication (default on) */
    /* [tls] PEM files, relative to the home unless absolute. */
    char tls_ca[NET_PATH_MAX];
    char tls_cert[NET_PATH_MAX];
    char tls_key[NET_PATH_MAX];
    /* [consensus] base timeouts (ms); each round adds half the base. */
    int propose_timeout_ms;
    int vote_timeout_ms;
} net_config;

/* Resolves the home: explicit dir, else $FOLIO_HOME, else $HOME/.folio. Absolute path. */
void net_home_resolve(char out[NET_PATH_MAX], const char *explicit_home);
void net_home_path(char out[NET_PATH_MAX], const char *home, const char *rel);

/* Creates a home with a fresh operator key and a one-validator genesis. Fails with
 * LDG_ERR_EXISTS if home already has a config. */
ldg_err net_home_init(const char *home, const char *chain_id, char *err,
                      size_t err_len) LDG_WARN_UNUSED;
ldg_err net_config_load(const char *home, net_config *cfg, char *err,
                        size_t err_len) LDG_WARN_UNUSED;
ldg_err net_genesis_load(const char *home, ldg_genesis *g) LDG_WARN_UNUSED;

/* Keys. Names: letters, digits, '-', '_', '.'. */
bool net_key_name_ok(const char *name);
ldg_err net_key_create(const char *home, const char *name, ldg_keypair *out) LDG_WARN_UNUSED;
ldg_err net_key_load(const char *home, const char *name, ldg_keypair *out) LDG_WARN_UNUSED;
ldg_err net_key_load_pub(const char *home, const char *name, ldg_pubkey *out) LDG_WARN_UNUSED;
/* Lists key names (sorted) into names; returns count. */
size_t net_key_list(const char *home, char names[][NET_KEY_NAME_MAX + 1], size_t cap);

#endif
