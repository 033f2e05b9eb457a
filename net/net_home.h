/* A node home: the directory that holds a node's config, keys, genesis and data.
 *
 *   HOME/config.ini      [node] chain_id, rpc (listen/connect url), dev
 *   HOME/genesis.bin     canonical genesis document
 *   HOME/keys/NAME.key   hex secret key or one sealed under a passphrase (net_keyfile.h),
 *                        mode 0600 (never printed unless asked)
 *   HOME/keys/NAME.pub   hex x-only public key
 *   HOME/data/           RocksDB
 *   HOME/node.lock (held by the running node), HOME/node.pid (informational only),
 *   HOME/node.log, HOME/node.sock (ipc RPC socket by default)        */
#ifndef NET_HOME_H
#define NET_HOME_H

#include "ldg_chain.h"
#include "ldg_key.h"
#include "ldg_limits.h"

#include <limits.h>
#include <sys/types.h>

typedef struct net_config {
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
    char rpc_url[NET_PATH_MAX]; /* "ipc:///abs/path/node.sock" or "tcp://127.0.0.1:7700" */
    char validator_key[NET_KEY_NAME_MAX + 1];
    int rpc_threads;
    int verify_threads;
    int retain_blocks; /* blocks of state-tree history kept (0: all; ldg_chain_set_retention) */
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
    /* [client] (specs/home.md §5): the default signer of this home's commands, and, in a
     * client home (one that runs no node), the genesis hash of the chain it was made for. */
    char client_as[NET_KEY_NAME_MAX + 1];
    char client_genesis[2 * LDG_HASH_LEN + 1];
    /* [http] the HTTP/JSON API (specs/http.md): HOST:PORT ("" = off), TLS with [tls] cert
     * and key, and whether reads are served to callers without a participant credential. */
    char http_listen[128];
    bool http_tls;
    bool http_public_reads;
    /* [host] (specs/home.md §7): the other chains this process hosts beside this home's,
     * comma-separated names, each the node home HOME/chains/NAME; and the key of this home
     * that signs the checkpoints it relays from them (specs/chains.md §9). */
    char host_chains[NET_HOST_CHAINS_TEXT_MAX];
    char host_relay_key[NET_KEY_NAME_MAX + 1];
    /* [test] fault injection, for tests and demos only: refused unless the node runs in
     * development mode (--dev). equivocate_at: this hosted sub-chain's validator signs a
     * second block at each height >= H its main chain anchors (specs/chains.md §9.3).
     * 0: off. */
    int test_fault_equivocate_at;
    /* [evidence] (specs/evidence.md §2.4): the other members' nodes (RPC URLs,
     * comma-separated) whose anchored slices this node copies, verifies and attests (signed
     * by the key attest_as, default [client] as) every replicate_every_s seconds; the copies
     * each slice of this store needs (evidence status); days after which the lines of
     * anchored slices are deleted (0: kept). */
    char ev_mirrors[2048];
    char ev_attest_as[NET_KEY_NAME_MAX + 1];
    /* A file holding the passphrase of attest_as when that key is sealed (relative to HOME
     * unless absolute; net_evsync.h): the node signs unattended without the passphrase on
     * a command line or in its environment. */
    char ev_attest_pass_file[NET_PATH_MAX];
    int ev_replicate_every_s;
    int ev_copies_required;
    int ev_retention_days;
} net_config;

/* The names of cfg's [host] chains, in order, into names; returns the count. */
size_t net_config_host_chains(const net_config *cfg, char names[][NET_KEY_NAME_MAX + 1],
                              size_t cap);

/* A client home: made by `folio client init`, it uses a node elsewhere and runs none. */
static inline bool net_config_client_home(const net_config *cfg)
{
    return cfg->client_genesis[0] != '\0';
}

/* Resolves the home: explicit dir, else $FOLIO_HOME, else $HOME/.folio. Absolute path. */
bool net_home_resolve(char out[NET_PATH_MAX], const char *explicit_home);
void net_home_path(char out[NET_PATH_MAX], const char *home, const char *rel);

/* Creates a home with a fresh operator key and a one-validator genesis. The home is
 * created (0700), or must be an empty directory of this user that no one else can write;
 * otherwise fails (LDG_ERR_EXISTS if it already has a config or is not empty). */
ldg_err net_home_init(const char *home, const char *chain_id, char *err,
                      size_t err_len) LDG_WARN_UNUSED;
/* Creates a client home (specs/home.md §5): config.ini naming the node (rpc_url), its chain
 * id and genesis hash (64 hex), the default signer `as` (NULL: none), and keys/; no key,
 * no genesis, no data. The home must be new or empty, as for net_home_init. */
ldg_err net_client_home_init(const char *home, const char *rpc_url, const char *chain_id,
                             const char *genesis_hex, const char *as, char *err,
                             size_t err_len) LDG_WARN_UNUSED;
/* Reads HOME/config.ini strictly (net_ini.h): an unknown section or key, a value out of
 * its range or too long, or a key set twice fails with the line number in err. */
ldg_err net_config_load(const char *home, net_config *cfg, char *err,
                        size_t err_len) LDG_WARN_UNUSED;
/* The same from text already read (tests, fuzzing). */
ldg_err net_config_parse(const char *text, size_t len, const char *home, net_config *cfg, char *err,
                         size_t err_len) LDG_WARN_UNUSED;
ldg_err net_genesis_load(const char *home, ldg_genesis *g) LDG_WARN_UNUSED;

/* Keys. Names: letters, digits, '-', '_', '.'. */
bool net_key_name_ok(const char *name);
/* Creates HOME/keys/NAME.key (0600) and .pub. keys/ is made 0700 or must be private
 * (net_file.h); the secret is written with net_file_write(NET_FILE_CREATE): never through
 * a planted file or symlink, never over an existing key. */
ldg_err net_key_create(const char *home, const char *name, ldg_keypair *out) LDG_WARN_UNUSED;
/* The same, with a sentence in err on failure. */
ldg_err net_key_create_err(const char *home, const char *name, ldg_keypair *out, char *err,
                           size_t err_len) LDG_WARN_UNUSED;
/* Saves kp as HOME/keys/NAME.key (sealed under pass unless it is NULL, net_keyfile.h) and
 * .pub, with the same care as net_key_create; never over an existing key (EXISTS). */
ldg_err net_key_save(const char *home, const char *name, const ldg_keypair *kp, const char *pass,
                     char *err, size_t err_len) LDG_WARN_UNUSED;
/* Loads a key in the clear; a sealed one: LDG_ERR_DENIED (net_key_load_pass opens it). */
ldg_err net_key_load(const char *home, const char *name, ldg_keypair *out) LDG_WARN_UNUSED;
/* Loads a key, opening a sealed one with pass: LDG_ERR_CRYPTO if the passphrase is wrong. */
ldg_err net_key_load_pass(const char *home, const char *name, const char *pass,
                          ldg_keypair *out) LDG_WARN_UNUSED;
/* Whether HOME/keys/NAME.key is sealed under a passphrase. */
bool net_key_encrypted(const char *home, const char *name);
/* The key file's bytes as they are (malloc'd; at most NET_KEY_FILE_MAX). */
ldg_err net_key_file_read(const char *home, const char *name, uint8_t **text,
                          size_t *len) LDG_WARN_UNUSED;
/* Removes HOME/keys/NAME.key and .pub; NOT_FOUND if there is no such key. */
ldg_err net_key_delete(const char *home, const char *name, char *err,
                       size_t err_len) LDG_WARN_UNUSED;
ldg_err net_key_load_pub(const char *home, const char *name, ldg_pubkey *out) LDG_WARN_UNUSED;
/* Lists key names (sorted) into names; returns count. */
size_t net_key_list(const char *home, char names[][NET_KEY_NAME_MAX + 1], size_t cap);

/* A node's liveness is a kernel lock: the node holds a write lock (fcntl) on
 * HOME/node.lock for its whole life; the kernel drops it when the process dies, however
 * it dies. net_home_lock takes it: the fd to keep open (closing any fd of that file in
 * this process drops the lock), or -1 with err set and *holder the pid holding it (0 if
 * the failure was another). net_home_lock_holder: the pid holding it (the kernel's word,
 * not a file's), 0 if none, -1 if it cannot tell. */
int net_home_lock(const char *home, pid_t *holder, char *err, size_t err_len);
pid_t net_home_lock_holder(const char *home);

/* The sentence for a store ldg_chain_open_report could not open (item by item: lost
 * blocks, corrupt, locked, other), with the way to recover. */
void net_store_open_error(char *err, size_t err_len, const char *db, ldg_err e,
                          const ldg_open_report *rep);

#endif
