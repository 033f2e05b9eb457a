/* One replication pass (net_evpass.h). */
#include "net_evpass.h"

#include "ldg_limits.h"
#include "net_home.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct pass {
    const net_evpass_cfg *cfg;
    const net_evpass_ops *ops;
    net_evpass_stats *st;
    ldg_account me;
} pass;

static void say(const pass *p, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(const pass *p, bool error, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    p->ops->say(p->ops->arg, error, line);
}

static bool stopping(const pass *p)
{
    return p->cfg->stop && atomic_load(p->cfg->stop);
}

/* One slice of an origin: fetched, checked against its anchor on this member's chain,
 * attested, stored. A copy that does not match is refused and counted. */
static void sync_slice(pass *p, net_client *c, const char *url, const ldg_hash *root)
{
    char err[512] = "", hex[65];
    ldg_hex_encode(hex, root->b, LDG_HASH_LEN);
    net_ev_anchored an;
    if (p->ops->anchor(p->ops->arg, root, &an) != LDG_OK) {
        p->st->failed++; /* not anchored on this member's chain (yet): the next pass retries */
        return;
    }
    if (!memcmp(an.subject.b, p->me.b, LDG_ACCOUNT_LEN))
        return; /* this member's own slice: no copy of its own to attest */
    size_t zl;
    uint8_t *z = net_evorigin_fetch(c, p->cfg->signer, root, &zl, err, sizeof err);
    if (!z) {
        say(p, true, "evidence sync: %s %s for slice %s", url, err, hex);
        p->st->failed++;
        return;
    }
    if (!net_evstore_copy_matches(root, z, zl, &an)) {
        say(p, true,
            "evidence sync: SLICE_MISMATCH: the copy of slice %s from %s does not decode to the "
            "slice anchored on chain (its root, subject, record count or time range differ): "
            "refused, nothing stored or attested",
            hex, url);
        p->st->refused++;
        free(z);
        return;
    }
    ldg_err e = p->ops->attest(p->ops->arg, root, err, sizeof err);
    if (e == LDG_ERR_EXISTS) /* attested by an earlier pass that could not install it */
        e = LDG_OK;
    if (e == LDG_OK)
        e = net_evstore_install(p->cfg->store, root, z, zl, &an.txid, err, sizeof err);
    free(z);
    if (e != LDG_OK)
        say(p, true, "evidence sync: slice %s from %s: %s", hex, url, err);
    p->st->copied += e == LDG_OK;
    p->st->failed += e != LDG_OK;
}

/* Every anchored slice the node at url keeps and this store lacks, page by page (one page
 * of LDG_EV_LIST_MAX roots in memory). */
static void sync_origin(pass *p, const char *url)
{
    net_client *c;
    char err[512] = "";
    if (net_client_open(&c, url, 30000, err, sizeof err) != LDG_OK) {
        say(p, true, "evidence sync: cannot reach %s: %s", url, err);
        p->st->failed++;
        return;
    }
    uint64_t pos = 0;
    ldg_hash txid;
    ldg_hash *roots = malloc(LDG_EV_LIST_MAX * sizeof *roots);
    LDG_ASSERT(roots);
    for (bool more = true; more && !stopping(p);) {
        size_t n;
        if (!net_evorigin_page(c, p->cfg->signer, &pos, roots, &n, &more, err, sizeof err)) {
            say(p, true, "evidence sync: %s %s", url, err);
            p->st->failed++;
            break;
        }
        for (size_t i = 0; i < n && !stopping(p); i++)
            if (!net_evstore_anchored(p->cfg->store, &roots[i], &txid))
                sync_slice(p, c, url, &roots[i]);
    }
    free(roots);
    net_client_close(c);
}

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

ldg_err net_evpass_run(const net_evpass_cfg *cfg, const net_evpass_ops *ops, net_evpass_stats *st)
{
    memset(st, 0, sizeof *st);
    pass p = {.cfg = cfg, .ops = ops, .st = st};
    if (cfg->signer)
        ldg_account_of(&p.me, &cfg->signer->key->pub);
    char urls[2048];
    snprintf(urls, sizeof urls, "%s", cfg->mirrors ? cfg->mirrors : "");
    for (char *save, *u = strtok_r(urls, ", ", &save); u && cfg->signer && !stopping(&p);
         u = strtok_r(NULL, ", ", &save), st->mirrors++)
        sync_origin(&p, u);
    ldg_err e = LDG_OK;
    char err[NET_PATH_MAX + 256];
    if (cfg->retention_days > 0 && !stopping(&p))
        e = net_evstore_retention(cfg->store, (uint64_t)cfg->retention_days, wall_ms(), &st->purged,
                                  err, sizeof err);
    if (e != LDG_OK)
        say(&p, true, "evidence sync: retention: %s", err);
    say(&p, false,
        "evidence sync: %zu slice%s copied, verified and attested from %zu mirror%s; %zu refused; "
        "%zu not reached (retried next pass); lines of %zu slice%s deleted (retention)",
        st->copied, st->copied == 1 ? "" : "s", st->mirrors, st->mirrors == 1 ? "" : "s",
        st->refused, st->failed, st->purged, st->purged == 1 ? "" : "s");
    return e;
}
