/* The node's evidence sync thread (net_evsync.h). */
#include "net_evsync.h"

#include "ldg_chain.h"
#include "ldg_limits.h"
#include "ldg_tx.h"
#include "net_admit.h"
#include "net_evpass.h"
#include "net_log.h"
#include "net_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct evsync {
    net_node *n;
    ldg_keypair key;
    net_evorigin_signer signer;
    char store[NET_PATH_MAX];
};
typedef struct evsync evsync;

static uint64_t node_now(net_node *n)
{
    return net_clock_now_ms(&n->clock) + atomic_load(&n->time_offset_ms);
}

/* The anchor of root on this node's committed state. */
static ldg_err own_anchor(void *arg, const ldg_hash *root, net_ev_anchored *out)
{
    evsync *es = arg;
    ldg_state *st = ldg_chain_reader(es->n->chain);
    ldg_ev_entry en;
    bool found = false;
    ldg_err e = ldg_ev_entry_by_root(st, root, &en, &found);
    if (e == LDG_OK && found)
        e = ldg_ev_copies_get(st, root, &out->copies);
    ldg_state_free(st);
    if (e != LDG_OK || !found)
        return e != LDG_OK ? e : LDG_ERR_NOT_FOUND;
    out->subject = en.subject;
    out->count = en.record_count;
    out->t_first = en.time_first;
    out->t_last = en.time_last;
    out->txid = en.anchor_txid;
    return LDG_OK;
}

/* Waits (bounded, and not past the node's stop) for txid to commit; its result code. */
static ldg_err wait_commit(net_node *n, const ldg_hash *txid, uint32_t *code)
{
    for (int t = 0; t < LDG_EV_ATTEST_WAIT_MS / 50 && !atomic_load(&n->stopping); t++) {
        uint64_t h;
        uint32_t i;
        if (ldg_chain_find_tx(n->chain, txid, &h, &i) == LDG_OK) {
            ldg_record r;
            if (ldg_chain_read_block(n->chain, h, &r) != LDG_OK)
                return LDG_ERR_IO;
            *code = i < r.tx_count ? r.receipts[i].code : UINT32_MAX;
            ldg_record_free(&r);
            return LDG_OK;
        }
        usleep(50 * 1000);
    }
    return LDG_ERR_TIMEOUT;
}

/* evidence.attest [root] by attest_as, through the node's admission and pool. */
static ldg_err own_attest(void *arg, const ldg_hash *root, char *err, size_t err_len)
{
    evsync *es = arg;
    net_node *n = es->n;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 1);
    ldg_enc_bin(&p, root->b, LDG_HASH_LEN);
    size_t len;
    ldg_hash txid;
    uint8_t *wire = ldg_tx_build(
        &len, &txid, ldg_chain_id(n->chain), ldg_chain_genesis_hash(n->chain), LDG_TX_EV_ATTEST,
        &es->key, node_now(n) + LDG_EV_ATTEST_EXPIRY_MS, ldg_enc_data(&p), ldg_enc_len(&p), false);
    ldg_enc_free(&p);
    if (!wire) {
        snprintf(err, err_len, "evidence attest could not be built");
        return LDG_ERR_INVALID;
    }
    net_admitted ad;
    ldg_result res = net_admit_tx(n->admit, NULL, wire, len, NET_ADMIT_CLIENT, &ad);
    if (res == LDG_R_OK)
        res = net_pool_add(n->pool, &ad.ref.id, wire, len, ad.expiry_ms, n->multi);
    free(wire);
    if (res == LDG_R_EV_ATTESTED)
        return LDG_ERR_EXISTS; /* attested by an earlier pass whose install failed */
    if (res != LDG_R_OK) {
        snprintf(err, err_len, "evidence attest refused by admission: %s", ldg_result_name(res));
        return LDG_ERR_INVALID;
    }
    uint32_t code = 0;
    ldg_err e = wait_commit(n, &txid, &code);
    if (e == LDG_OK && code == LDG_R_EV_ATTESTED)
        return LDG_ERR_EXISTS;
    if (e != LDG_OK || code != LDG_R_OK) {
        snprintf(err, err_len, "evidence attest %s",
                 e == LDG_ERR_TIMEOUT ? "not committed in time (retried next pass)"
                 : e != LDG_OK        ? "committed, its block unreadable"
                                      : ldg_result_name((ldg_result)code));
        return e != LDG_OK ? e : LDG_ERR_INVALID;
    }
    return LDG_OK;
}

static void own_say(void *arg, bool error, const char *line)
{
    (void)arg;
    net_log(error ? NET_LOG_WARN : NET_LOG_INFO, "%s", line);
}

static void run_pass(evsync *es)
{
    net_node *n = es->n;
    net_evpass_cfg cfg = {.store = es->store,
                          .mirrors = n->cfg.ev_mirrors,
                          .signer = n->cfg.ev_mirrors[0] ? &es->signer : NULL,
                          .retention_days = n->cfg.ev_retention_days,
                          .stop = &n->stopping};
    net_evpass_ops ops = {.arg = es, .anchor = own_anchor, .attest = own_attest, .say = own_say};
    net_evpass_stats st;
    if (net_evpass_run(&cfg, &ops, &st) != LDG_OK)
        atomic_fetch_add(&n->ev_failed, 1);
    atomic_fetch_add(&n->ev_passes, 1);
    atomic_fetch_add(&n->ev_copied, st.copied);
    atomic_fetch_add(&n->ev_refused, st.refused);
    atomic_fetch_add(&n->ev_failed, st.failed);
    atomic_fetch_add(&n->ev_purged, st.purged);
    atomic_fetch_add(&n->ev_listed, st.listed);
    atomic_fetch_add(&n->ev_pages, st.pages);
    atomic_store(&n->ev_pending, st.pending);
    atomic_store(&n->ev_last_pass_ms, node_now(n));
}

static void *evsync_thread(void *arg)
{
    evsync *es = arg;
    net_node *n = es->n;
    while (!atomic_load(&n->stopping)) {
        for (int t = 0; t < n->cfg.ev_replicate_every_s * 10 && !atomic_load(&n->stopping); t++)
            usleep(100 * 1000);
        if (!atomic_load(&n->stopping))
            run_pass(es);
    }
    explicit_bzero(&es->key, sizeof es->key);
    free(es);
    return NULL;
}

const char *net_evsync_key_name(const net_config *cfg)
{
    return cfg->ev_attest_as[0] ? cfg->ev_attest_as
           : cfg->client_as[0]  ? cfg->client_as
                                : "operator";
}

/* The passphrase in path ([evidence] attest_passphrase_file): a regular file that only its
 * owner may read, one line of 1..NET_PASSPHRASE_MAX bytes (a final newline is not part of
 * it), no NUL. */
static ldg_err pass_file(const char *path, char out[NET_PASSPHRASE_MAX + 2], char *err,
                         size_t err_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, err_len, "cannot read %s ([evidence] attest_passphrase_file): %s", path,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return LDG_ERR_IO;
    }
    const char *why = !S_ISREG(st.st_mode)                  ? "is not a regular file"
                      : (st.st_mode & 077)                  ? "may be read by others than its "
                                                              "owner (chmod 600 it)"
                      : st.st_size > NET_PASSPHRASE_MAX + 2 ? "is longer than a passphrase"
                                                            : NULL;
    ssize_t n = why ? 0 : read(fd, out, NET_PASSPHRASE_MAX + 2);
    close(fd);
    if (!why && n < 0)
        why = "could not be read";
    size_t len = n > 0 ? (size_t)n : 0;
    if (!why && len > 0 && out[len - 1] == '\n')
        len--;
    if (!why &&
        (len == 0 || len > NET_PASSPHRASE_MAX || memchr(out, '\n', len) || memchr(out, '\0', len)))
        why = "must hold the passphrase on one line (1 to NET_PASSPHRASE_MAX bytes, no NUL)";
    if (why) {
        explicit_bzero(out, NET_PASSPHRASE_MAX + 2);
        snprintf(err, err_len, "%s ([evidence] attest_passphrase_file) %s", path, why);
        return LDG_ERR_INVALID;
    }
    out[len] = '\0';
    return LDG_OK;
}

ldg_err net_evsync_key(const char *home, const net_config *cfg, const char *pass, ldg_keypair *kp,
                       char *err, size_t err_len)
{
    const char *as = net_evsync_key_name(cfg);
    char from_file[NET_PASSPHRASE_MAX + 2] = "";
    ldg_err e = net_key_load(home, as, kp);
    if (e == LDG_ERR_DENIED && cfg->ev_attest_pass_file[0]) {
        ldg_err fe = pass_file(cfg->ev_attest_pass_file, from_file, err, err_len);
        if (fe != LDG_OK)
            return fe;
        pass = from_file;
    }
    if (e == LDG_ERR_DENIED && !pass)
        pass = getenv("FOLIO_PASSPHRASE");
    if (e == LDG_ERR_DENIED && pass && pass[0])
        e = net_key_load_pass(home, as, pass, kp);
    explicit_bzero(from_file, sizeof from_file);
    if (e == LDG_ERR_DENIED)
        snprintf(err, err_len,
                 "the key '%s' ([evidence] attest_as) is sealed and the node has no passphrase "
                 "for it: set [evidence] attest_passphrase_file (a file only its owner can "
                 "read), or FOLIO_PASSPHRASE where `folio node start` runs",
                 as);
    else if (e == LDG_ERR_CRYPTO)
        snprintf(err, err_len,
                 "wrong passphrase for the key '%s' ([evidence] attest_as) (or its file "
                 "%s/keys/%s.key was altered)",
                 as, home, as);
    else if (e == LDG_ERR_NOT_FOUND)
        snprintf(err, err_len, "no key '%s' ([evidence] attest_as) in %s/keys", as, home);
    else if (e != LDG_OK)
        snprintf(err, err_len, "the key '%s' ([evidence] attest_as) cannot be loaded: %s", as,
                 ldg_err_str(e));
    return e;
}

bool net_evsync_open(net_node *n, const char *pass, char *err, size_t err_len)
{
    if (!n->cfg.ev_mirrors[0] && n->cfg.ev_retention_days == 0)
        return true;
    evsync *es = calloc(1, sizeof *es);
    LDG_ASSERT(es);
    es->n = n;
    net_home_path(es->store, n->home, "evidence");
    if (n->cfg.ev_mirrors[0]) {
        char why[NET_PATH_MAX + 256];
        if (net_evsync_key(n->home, &n->cfg, pass, &es->key, why, sizeof why) != LDG_OK) {
            snprintf(err, err_len, "evidence sync: %s", why);
            free(es);
            return false;
        }
        es->signer.key = &es->key;
        es->signer.genesis = *ldg_chain_genesis_hash(n->chain);
    }
    n->evs = es;
    return true;
}

bool net_evsync_start(net_node *n)
{
    evsync *es = n->evs;
    if (!es)
        return true;
    char err[NET_PATH_MAX + 128];
    if (net_evstore_open(es->store, err, sizeof err) != LDG_OK) {
        net_log(NET_LOG_WARN, "evidence sync: %s: no replication", err);
        return false;
    }
    if (net_thread_create(&n->evsync, evsync_thread, es) != 0)
        return false;
    n->evs = NULL; /* the thread's now */
    n->evsync_started = true;
    net_log(NET_LOG_INFO, "evidence sync every %d s (mirrors: %s; as: %s; retention: %d days)",
            n->cfg.ev_replicate_every_s, n->cfg.ev_mirrors[0] ? n->cfg.ev_mirrors : "none",
            n->cfg.ev_mirrors[0] ? net_evsync_key_name(&n->cfg) : "-", n->cfg.ev_retention_days);
    return true;
}

void net_evsync_stop(net_node *n)
{
    if (n->evsync_started)
        pthread_join(n->evsync, NULL);
    n->evsync_started = false;
    if (n->evs) { /* opened, never started */
        explicit_bzero(&n->evs->key, sizeof n->evs->key);
        free(n->evs);
        n->evs = NULL;
    }
}
