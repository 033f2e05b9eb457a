/* One replication pass (net_evpass.h). */
#include "net_evpass.h"

#include "ldg_limits.h"
#include "net_file.h"
#include "net_home.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct pass {
    const net_evpass_cfg *cfg;
    const net_evpass_ops *ops;
    net_evpass_stats *st;
    ldg_account me;
    size_t pages; /* index pages read from the mirror under way */
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

/* What became of a root listed by a mirror: settled (in the store now, or this member's own
 * slice), to retry at a later pass, or not reached because the mirror stopped answering. */
typedef enum { SETTLED, RETRY, UNREACHED } outcome;

/* One slice of an origin: fetched, checked against its anchor on this member's chain,
 * attested, stored. A copy that does not match is refused and counted. */
static outcome sync_slice(pass *p, net_client *c, const char *url, const ldg_hash *root)
{
    char err[512] = "", hex[65];
    ldg_hex_encode(hex, root->b, LDG_HASH_LEN);
    net_ev_anchored an;
    ldg_hash txid;
    if (net_evstore_anchored(p->cfg->store, root, &txid))
        return SETTLED; /* copied before (by this pass's retries, `mirror` or `restore`) */
    if (p->ops->anchor(p->ops->arg, root, &an) != LDG_OK) {
        p->st->failed++; /* not anchored on this member's chain (yet): a later pass retries */
        return RETRY;
    }
    if (!memcmp(an.subject.b, p->me.b, LDG_ACCOUNT_LEN))
        return SETTLED; /* this member's own slice: no copy of its own to attest */
    size_t zl;
    bool answered;
    uint8_t *z = net_evorigin_fetch(c, p->cfg->signer, root, &zl, &answered, err, sizeof err);
    if (!z) {
        say(p, true, "evidence sync: %s %s for slice %s", url, err, hex);
        p->st->failed++;
        return answered ? RETRY : UNREACHED;
    }
    if (!net_evstore_copy_matches(root, z, zl, &an)) {
        say(p, true,
            "evidence sync: SLICE_MISMATCH: the copy of slice %s from %s does not decode to the "
            "slice anchored on chain (its root, subject, record count or time range differ): "
            "refused, nothing stored or attested",
            hex, url);
        p->st->refused++;
        free(z);
        return RETRY;
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
    return e == LDG_OK ? SETTLED : RETRY;
}

/* ---- a mirror's cursor (evidence.md §2.4): STORE/mirrors/<sha256 of its URL, hex> ---- */

_Static_assert(LDG_EV_SYNC_PENDING_MAX >= LDG_EV_LIST_MAX,
               "a whole page of roots must fit among the waiting ones");

#define CURSOR_MAGIC "folio-evcursor/1"
#define CURSOR_HEAD (16 + 8 + 32 + 4)

/* Every row of the mirror's index before next is settled or in pend; last is the row at
 * next - 1 as the mirror said it (zero when next is 0). */
typedef struct cursor {
    uint64_t next;
    ldg_hash last;
    uint32_t npend;
    ldg_hash pend[LDG_EV_SYNC_PENDING_MAX];
} cursor;

static void cursor_path(char *out, size_t len, const char *store, const char *url, const char *ext)
{
    ldg_hash h;
    char hex[65];
    ldg_sha256(&h, url, strlen(url));
    ldg_hex_encode(hex, h.b, LDG_HASH_LEN);
    snprintf(out, len, "%s/mirrors/%s%s", store, hex, ext);
}

static uint64_t be_get(const uint8_t *b, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | b[i];
    return v;
}

static void be_put(uint8_t *b, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        b[i] = (uint8_t)v;
}

/* The cursor of url, or a fresh one (the whole index is listed again: safe, as what is
 * stored is skipped) if there is none or it does not read as one. */
static void cursor_load(pass *p, const char *url, cursor *cur)
{
    char path[NET_PATH_MAX + 96];
    cursor_path(path, sizeof path, p->cfg->store, url, "");
    memset(cur, 0, sizeof *cur);
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    size_t max = CURSOR_HEAD + sizeof cur->pend;
    uint8_t *b = malloc(max + 1);
    LDG_ASSERT(b);
    size_t len = fread(b, 1, max + 1, f);
    fclose(f);
    uint64_t np = len >= CURSOR_HEAD ? be_get(b + 56, 4) : UINT64_MAX;
    if (len >= CURSOR_HEAD && !memcmp(b, CURSOR_MAGIC, 16) && np <= LDG_EV_SYNC_PENDING_MAX &&
        len == CURSOR_HEAD + np * LDG_HASH_LEN) {
        cur->next = be_get(b + 16, 8);
        memcpy(cur->last.b, b + 24, LDG_HASH_LEN);
        cur->npend = (uint32_t)np;
        memcpy(cur->pend, b + CURSOR_HEAD, np * LDG_HASH_LEN);
    } else {
        say(p, true, "evidence sync: %s is not a mirror cursor: %s is listed again from the start",
            path, url);
    }
    free(b);
}

static bool cursor_save(pass *p, const char *url, const cursor *cur)
{
    char path[NET_PATH_MAX + 96], err[NET_PATH_MAX + 128];
    cursor_path(path, sizeof path, p->cfg->store, url, "");
    size_t len = CURSOR_HEAD + (size_t)cur->npend * LDG_HASH_LEN;
    uint8_t *b = malloc(len);
    LDG_ASSERT(b);
    memcpy(b, CURSOR_MAGIC, 16);
    be_put(b + 16, cur->next, 8);
    memcpy(b + 24, cur->last.b, LDG_HASH_LEN);
    be_put(b + 56, cur->npend, 4);
    memcpy(b + CURSOR_HEAD, cur->pend, (size_t)cur->npend * LDG_HASH_LEN);
    ldg_err e = net_file_write(path, b, len, 0600, NET_FILE_REPLACE, err, sizeof err);
    free(b);
    if (e != LDG_OK)
        say(p, true, "evidence sync: the cursor of %s: %s", url, err);
    return e == LDG_OK;
}

/* One pass per mirror at a time (the node's and `folio evidence sync` on the same store):
 * a lock on STORE/mirrors/<hash>.lock, released when fd is closed; -1 if held or failed. */
static int cursor_lock(pass *p, const char *url)
{
    char path[NET_PATH_MAX + 96];
    cursor_path(path, sizeof path, p->cfg->store, url, ".lock");
    char dir[NET_PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/mirrors", p->cfg->store);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        say(p, true, "evidence sync: cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        say(p, true, "evidence sync: another pass is syncing from %s on this store: skipped", url);
        close(fd);
        return -1;
    }
    if (fd < 0)
        say(p, true, "evidence sync: cannot open %s: %s", path, strerror(errno));
    return fd;
}

/* Keeps root to retry (once: a root the index lists again is not kept twice). */
static void pend(cursor *cur, const ldg_hash *root)
{
    for (uint32_t i = 0; i < cur->npend; i++)
        if (!memcmp(cur->pend[i].b, root->b, LDG_HASH_LEN))
            return;
    LDG_ASSERT(cur->npend < LDG_EV_SYNC_PENDING_MAX); /* room is checked before each page */
    cur->pend[cur->npend++] = *root;
}

/* The slices kept from earlier passes, each tried again; false if the mirror stopped
 * answering (the others stay kept). */
static bool retry_pending(pass *p, net_client *c, const char *url, cursor *cur)
{
    uint32_t keep = 0;
    bool down = false;
    for (uint32_t i = 0; i < cur->npend; i++) {
        outcome o = down || stopping(p) ? RETRY : sync_slice(p, c, url, &cur->pend[i]);
        down |= o == UNREACHED;
        if (o != SETTLED)
            cur->pend[keep++] = cur->pend[i];
    }
    cur->npend = keep;
    return !down;
}

/* The rows of one page from `from` on: each settled or kept; false if the mirror stopped
 * answering (the rest of the page is kept, not tried). */
static bool settle_page(pass *p, net_client *c, const char *url, cursor *cur, const ldg_hash *roots,
                        size_t n)
{
    bool down = false;
    for (size_t i = 0; i < n; i++) {
        outcome o = down || stopping(p) ? RETRY : sync_slice(p, c, url, &roots[i]);
        down |= o == UNREACHED;
        if (o != SETTLED)
            pend(cur, &roots[i]);
    }
    return !down;
}

/* The mirror's index from the cursor on, page by page: at most LDG_EV_SYNC_PAGES_MAX pages,
 * and only while a whole page's roots could still be kept. The cursor is saved after each
 * page, so a pass cut short (the node stopped, the mirror went away) resumes there. */
static void page_on(pass *p, net_client *c, const char *url, cursor *cur)
{
    char err[512] = "";
    ldg_hash *roots = malloc(LDG_EV_LIST_MAX * sizeof *roots);
    LDG_ASSERT(roots);
    for (bool more = true, up = true; more && up && !stopping(p) &&
                                      p->pages < LDG_EV_SYNC_PAGES_MAX &&
                                      cur->npend + LDG_EV_LIST_MAX <= LDG_EV_SYNC_PENDING_MAX;) {
        size_t n;
        uint64_t pos = cur->next;
        net_evorigin_rows rows;
        if (!net_evorigin_page(c, p->cfg->signer, &pos, roots, &n, &more, &rows, err, sizeof err)) {
            say(p, true, "evidence sync: %s %s", url, err);
            p->st->failed++;
            break;
        }
        p->pages++;
        p->st->pages++;
        /* The row before the page must be the one the cursor ended on: an index that was
         * rebuilt or replaced (another store at that URL) is listed again from its start. */
        bool gone = cur->next > 0 && rows.has_prev != true;
        if (gone || (cur->next > 0 && memcmp(rows.prev.b, cur->last.b, LDG_HASH_LEN))) {
            say(p, true, "evidence sync: the index of %s %s %llu %s: listed again from its start",
                url, gone ? "no longer has the row" : "changed since the last pass (its row",
                (unsigned long long)cur->next - 1,
                gone ? "where the last pass stopped" : "differs)");
            cur->next = 0;
            memset(cur->last.b, 0, LDG_HASH_LEN);
            more = true;
            continue;
        }
        p->st->listed += n;
        up = settle_page(p, c, url, cur, roots, n);
        if (pos > cur->next) {
            cur->next = pos;
            cur->last = rows.has_last ? rows.last : n ? roots[n - 1] : cur->last;
        }
        if (!cursor_save(p, url, cur))
            break;
    }
    free(roots);
}

/* Every anchored slice the node at url keeps and this store lacks: first those kept from
 * earlier passes, then the index from where the last pass stopped (evidence.md §2.4). */
static void sync_origin(pass *p, const char *url)
{
    net_client *c;
    char err[512] = "";
    int lock = cursor_lock(p, url);
    if (lock < 0) {
        p->st->failed++;
        return;
    }
    if (net_client_open(&c, url, 30000, err, sizeof err) != LDG_OK) {
        say(p, true, "evidence sync: cannot reach %s: %s", url, err);
        p->st->failed++;
        close(lock);
        return;
    }
    cursor *cur = malloc(sizeof *cur);
    LDG_ASSERT(cur);
    cursor_load(p, url, cur);
    p->pages = 0;
    bool up = retry_pending(p, c, url, cur);
    if (up)
        page_on(p, c, url, cur);
    if (cursor_save(p, url, cur))
        p->st->pending += cur->npend;
    if (cur->npend + LDG_EV_LIST_MAX > LDG_EV_SYNC_PENDING_MAX)
        say(p, true,
            "evidence sync: %u slices of %s wait to be retried (at most %d): its index is read "
            "further once fewer wait",
            cur->npend, url, LDG_EV_SYNC_PENDING_MAX);
    free(cur);
    net_client_close(c);
    close(lock);
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
        e = net_evstore_retention_step(cfg->store, (uint64_t)cfg->retention_days, wall_ms(),
                                       LDG_EV_RETENTION_STEP, &st->purged, err, sizeof err);
    if (e != LDG_OK)
        say(&p, true, "evidence sync: retention: %s", err);
    say(&p, false,
        "evidence sync: %zu slice%s copied, verified and attested from %zu mirror%s; %zu refused; "
        "%zu not reached (retried next pass); %zu new in %zu index page%s, %zu waiting to be "
        "retried; lines of %zu slice%s deleted (retention)",
        st->copied, st->copied == 1 ? "" : "s", st->mirrors, st->mirrors == 1 ? "" : "s",
        st->refused, st->failed, st->listed, st->pages, st->pages == 1 ? "" : "s", st->pending,
        st->purged, st->purged == 1 ? "" : "s");
    return e;
}
