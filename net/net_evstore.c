/* The evidence store on disk (net_evstore.h). */
#include "net_evstore.h"

#include "ldg_limits.h"
#include "net_evindex.h"
#include "net_file.h"
#include "net_home.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ldg_err net_evstore_open(const char *store, char *err, size_t err_len)
{
    static const char *const subs[] = {"",      "/sources", "/by-source",
                                       "/ids2", "/links2",  "/mirrors"};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char path[NET_PATH_MAX + 16];
        snprintf(path, sizeof path, "%s%s", store, subs[i]);
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            snprintf(err, err_len, "cannot create the evidence store %s: %s", path,
                     strerror(errno));
            return LDG_ERR_IO;
        }
    }
    return LDG_OK;
}

void net_evstore_path(char *out, size_t len, const char *store, const ldg_hash *root,
                      const char *ext)
{
    char hex[65];
    ldg_hex_encode(hex, root->b, LDG_HASH_LEN);
    snprintf(out, len, "%s/%s.%s", store, hex, ext);
}

bool net_evstore_anchored(const char *store, const ldg_hash *root, ldg_hash *txid)
{
    char path[NET_PATH_MAX + 80], hex[66] = {0};
    net_evstore_path(path, sizeof path, store, root, "anchor");
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fread(hex, 1, 65, f) == 65 && hex[64] == '\n';
    fclose(f);
    hex[64] = '\0';
    return ok && ldg_hex_decode(txid->b, LDG_HASH_LEN, hex) == 0;
}

static bool is_slice_name(const char *name, ldg_hash *root)
{
    size_t n = strlen(name);
    if (n != 64 + 6 || strcmp(name + 64, ".slice") != 0)
        return false;
    char hex[65];
    memcpy(hex, name, 64);
    hex[64] = '\0';
    return ldg_hex_decode(root->b, LDG_HASH_LEN, hex) == 0;
}

size_t net_evstore_list(const char *store, ldg_hash **out)
{
    DIR *d = opendir(store);
    size_t n = 0, cap = 0;
    *out = NULL;
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        ldg_hash root;
        if (!is_slice_name(de->d_name, &root))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            *out = realloc(*out, cap * sizeof **out);
            LDG_ASSERT(*out);
        }
        (*out)[n++] = root;
    }
    closedir(d);
    return n;
}

ldg_err net_evstore_load(const char *store, const ldg_hash *root, ldg_ev_slice *s, char *err,
                         size_t err_len)
{
    char path[NET_PATH_MAX + 80];
    net_evstore_path(path, sizeof path, store, root, "slice");
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return LDG_ERR_IO;
    }
    uint8_t *z = malloc(LDG_EV_SLICE_RAW_MAX + 1);
    LDG_ASSERT(z);
    size_t zl = fread(z, 1, LDG_EV_SLICE_RAW_MAX + 1, f);
    bool rerr = ferror(f);
    fclose(f);
    if (rerr || zl > LDG_EV_SLICE_RAW_MAX) {
        free(z);
        snprintf(err, err_len, "%s: %s", path,
                 rerr ? "read failed" : "larger than a slice file may be");
        return LDG_ERR_IO;
    }
    bool ok = ldg_ev_slice_decode(s, z, zl);
    free(z);
    if (!ok || memcmp(s->root.b, root->b, LDG_HASH_LEN) != 0) {
        if (ok)
            ldg_ev_slice_clear(s);
        snprintf(err, err_len,
                 "%s does not decode or its records no longer hash to its root: the store was "
                 "changed",
                 path);
        return LDG_ERR_CORRUPT;
    }
    return LDG_OK;
}

ldg_err net_evstore_idx_add(const char *store, const ldg_hash *root, const ldg_hash *ids, size_t n,
                            char *err, size_t err_len)
{
    return net_evindex_add(store, root, ids, n, NULL, 0, err, err_len);
}

bool net_evstore_copy_matches(const ldg_hash *root, const uint8_t *z, size_t zl,
                              const net_ev_anchored *an)
{
    ldg_ev_slice s;
    bool ok = ldg_ev_slice_decode(&s, z, zl);
    size_t bad;
    if (ok) {
        ok = !memcmp(s.root.b, root->b, LDG_HASH_LEN) && s.n == an->count &&
             s.t_first == an->t_first && s.t_last == an->t_last &&
             !memcmp(s.subject.b, an->subject.b, LDG_ACCOUNT_LEN) &&
             ldg_ev_slice_lines_ok(&s, &bad);
        ldg_ev_slice_clear(&s);
    }
    return ok;
}

static ldg_err index_build(const char *store, const char *path, char *err, size_t err_len);

/* Appends root to the index, first cutting a torn last entry (a crash mid-append). */
static ldg_err index_append(const char *store, const ldg_hash *root, char *err, size_t err_len)
{
    char path[NET_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", store, NET_EVSTORE_INDEX);
    FILE *f = fopen(path, "ab");
    long end = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (f && end > 0 && end % LDG_HASH_LEN != 0 && ftruncate(fileno(f), end - end % LDG_HASH_LEN))
        end = -1;
    bool ok = f && end >= 0 && fwrite(root->b, LDG_HASH_LEN, 1, f) == 1;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        snprintf(err, err_len, "cannot append to %s: %s", path, strerror(errno));
    return ok ? LDG_OK : LDG_ERR_IO;
}

ldg_err net_evstore_mark_anchored(const char *store, const ldg_hash *root, const ldg_hash *txid,
                                  char *err, size_t err_len)
{
    char path[NET_PATH_MAX + 80], hex[66];
    ldg_hash had;
    bool indexed = net_evstore_anchored(store, root, &had);
    net_evstore_path(path, sizeof path, store, root, "anchor");
    ldg_hex_encode(hex, txid->b, LDG_HASH_LEN);
    hex[64] = '\n';
    ldg_err e = net_file_write(path, hex, 65, 0600, NET_FILE_REPLACE, err, err_len);
    char index[NET_PATH_MAX + 16];
    snprintf(index, sizeof index, "%s/%s", store, NET_EVSTORE_INDEX);
    if (e == LDG_OK && access(index, F_OK) != 0) /* a store from before the index */
        return index_build(store, index, err, err_len);
    if (e == LDG_OK && !indexed)
        e = index_append(store, root, err, err_len);
    return e;
}

static int root_cmp(const void *a, const void *b)
{
    return memcmp(a, b, LDG_HASH_LEN);
}

/* The index of a store written before it: the roots of its anchor sidecars, sorted. */
static ldg_err index_build(const char *store, const char *path, char *err, size_t err_len)
{
    DIR *d = opendir(store);
    size_t k = 0, cap = 64;
    ldg_hash *roots = malloc(cap * sizeof *roots);
    LDG_ASSERT(roots);
    for (struct dirent *de; d && (de = readdir(d));) {
        size_t l = strlen(de->d_name);
        char hex[65];
        if (l != 64 + 7 || strcmp(de->d_name + 64, ".anchor") != 0)
            continue;
        memcpy(hex, de->d_name, 64);
        hex[64] = '\0';
        if (k == cap) {
            cap *= 2;
            roots = realloc(roots, cap * sizeof *roots);
            LDG_ASSERT(roots);
        }
        k += ldg_hex_decode(roots[k].b, LDG_HASH_LEN, hex) == 0;
    }
    if (d)
        closedir(d);
    if (k)
        qsort(roots, k, sizeof *roots, root_cmp);
    ldg_err e = net_file_write(path, roots, k * LDG_HASH_LEN, 0600, NET_FILE_REPLACE, err, err_len);
    free(roots);
    return e;
}

ldg_err net_evstore_page(const char *store, uint64_t after, ldg_hash *roots, size_t max, size_t *n,
                         uint64_t *next, bool *more, char *err, size_t err_len)
{
    char path[NET_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", store, NET_EVSTORE_INDEX);
    *n = 0, *next = after, *more = false;
    if (access(path, F_OK) != 0) {
        ldg_err e = index_build(store, path, err, err_len);
        if (e != LDG_OK)
            return e;
    }
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return LDG_ERR_IO;
    }
    uint64_t entries = (uint64_t)st.st_size / LDG_HASH_LEN; /* a torn last one is not read */
    uint64_t want = after < entries ? entries - after : 0;
    want = want < max ? want : max;
    bool ok = want == 0 || (fseeko(f, (off_t)(after * LDG_HASH_LEN), SEEK_SET) == 0 &&
                            fread(roots, LDG_HASH_LEN, want, f) == want);
    fclose(f);
    if (!ok) {
        snprintf(err, err_len, "cannot read %s", path);
        return LDG_ERR_IO;
    }
    ldg_hash txid;
    for (uint64_t i = 0; i < want; i++) /* a slice removed by hand is not offered */
        if (net_evstore_anchored(store, &roots[i], &txid))
            roots[(*n)++] = roots[i];
    *next = after + want;
    *more = *next < entries;
    return LDG_OK;
}

bool net_evstore_row(const char *store, uint64_t pos, ldg_hash *root)
{
    char path[NET_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", store, NET_EVSTORE_INDEX);
    FILE *f = fopen(path, "rb");
    bool ok = f && pos <= UINT64_MAX / LDG_HASH_LEN &&
              fseeko(f, (off_t)(pos * LDG_HASH_LEN), SEEK_SET) == 0 &&
              fread(root->b, LDG_HASH_LEN, 1, f) == 1;
    if (f)
        fclose(f);
    return ok;
}

ldg_err net_evstore_install(const char *store, const ldg_hash *root, const uint8_t *z, size_t zl,
                            const ldg_hash *txid, char *err, size_t err_len)
{
    char path[NET_PATH_MAX + 80];
    net_evstore_path(path, sizeof path, store, root, "slice");
    ldg_err e = net_file_write(path, z, zl, 0600, NET_FILE_REPLACE, err, err_len);
    if (e == LDG_OK)
        e = net_evstore_mark_anchored(store, root, txid, err, err_len);
    ldg_ev_slice s;
    if (e == LDG_OK && ldg_ev_slice_decode(&s, z, zl)) {
        e = net_evstore_idx_add(store, root, s.ids, s.n, err, err_len);
        ldg_ev_slice_clear(&s);
    }
    return e;
}

/* Deletes the lines of one anchored slice whose newest record is before cutoff_ms. */
static ldg_err purge_one(const char *store, const ldg_hash *root, uint64_t cutoff_ms, bool *done,
                         char *err, size_t err_len)
{
    ldg_hash txid;
    ldg_ev_slice s;
    *done = false;
    if (!net_evstore_anchored(store, root, &txid))
        return LDG_OK; /* never the only copy of what the chain has not yet committed to */
    ldg_err e = net_evstore_load(store, root, &s, err, err_len);
    if (e != LDG_OK)
        return e;
    if (!s.purged && s.t_last < cutoff_ms) {
        s.purged = true;
        size_t zl;
        uint8_t *z = ldg_ev_slice_encode(&s, &zl);
        char path[NET_PATH_MAX + 80];
        net_evstore_path(path, sizeof path, store, root, "slice");
        e = net_file_write(path, z, zl, 0600, NET_FILE_REPLACE, err, err_len);
        *done = e == LDG_OK;
        free(z);
    }
    ldg_ev_slice_clear(&s);
    return e;
}

ldg_err net_evstore_retention(const char *store, uint64_t days, uint64_t now_ms, size_t *purged,
                              char *err, size_t err_len)
{
    uint64_t cutoff = now_ms > days * 86400000ULL ? now_ms - days * 86400000ULL : 0;
    ldg_hash *roots;
    size_t n = net_evstore_list(store, &roots);
    ldg_err e = LDG_OK;
    *purged = 0;
    for (size_t i = 0; i < n && e == LDG_OK; i++) {
        bool done;
        e = purge_one(store, &roots[i], cutoff, &done, err, err_len);
        *purged += done;
    }
    free(roots);
    return e;
}

#define RETENTION_AT "retention-at"

ldg_err net_evstore_retention_step(const char *store, uint64_t days, uint64_t now_ms, size_t max,
                                   size_t *purged, char *err, size_t err_len)
{
    uint64_t cutoff = now_ms > days * 86400000ULL ? now_ms - days * 86400000ULL : 0, at = 0;
    char path[NET_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", store, RETENTION_AT);
    uint8_t b[8];
    FILE *f = fopen(path, "rb");
    if (f && fread(b, 1, sizeof b, f) == sizeof b) /* else from the start: safe */
        for (int i = 0; i < 8; i++)
            at = at << 8 | b[i];
    if (f)
        fclose(f);
    ldg_hash *roots = malloc((max ? max : 1) * sizeof *roots);
    LDG_ASSERT(roots);
    size_t n = 0;
    uint64_t next;
    bool more;
    *purged = 0;
    ldg_err e = net_evstore_page(store, at, roots, max, &n, &next, &more, err, err_len);
    for (size_t i = 0; i < n && e == LDG_OK; i++) {
        bool done;
        e = purge_one(store, &roots[i], cutoff, &done, err, err_len);
        *purged += done;
    }
    free(roots);
    if (e != LDG_OK)
        return e;
    next = more ? next : 0;
    for (int i = 7; i >= 0; i--, next >>= 8)
        b[i] = (uint8_t)next;
    return net_file_write(path, b, sizeof b, 0600, NET_FILE_REPLACE, err, err_len);
}
