/* Tiles of a slice file (specs/evidence.md §2.2): the head frame and the reading of one
 * record by its tile alone, so a proof costs one small decompression and about a thousand
 * short hashes whatever the slice's size. Everything read is hostile: the path built is
 * checked against the slice root the caller trusts (the file's name, the anchor). */
#include "ldg_ev.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define SLICE_MAGIC "folio/ev-slice"

static bool head_tiles(ldg_ev_slice_head *h, const msgpack_object *o)
{
    const msgpack_object *t;
    uint32_t n;
    if (h->n == 0 || h->n > LDG_EV_SLICE_RECORDS_MAX ||
        !ldg_obj_array_any(o, LDG_EV_TILES_MAX, &t, &n) ||
        n != (h->n + LDG_EV_TILE_RECORDS - 1) / LDG_EV_TILE_RECORDS)
        return false;
    h->tiles = n;
    for (uint32_t k = 0; k < n; k++) {
        const msgpack_object *f;
        if (!ldg_obj_array(&t[k], 3, &f) || !ldg_obj_u64(&f[0], &h->zlen[k]) ||
            !ldg_obj_u64(&f[1], &h->first_seq[k]) ||
            !ldg_obj_bin(&f[2], h->root[k].b, LDG_HASH_LEN))
            return false;
    }
    return true;
}

int ldg_ev_head_decode(ldg_ev_slice_head *h, const uint8_t *z, size_t zl)
{
    memset(h, 0, sizeof *h);
    size_t fl = ZSTD_findFrameCompressedSize(z, zl);
    if (ZSTD_isError(fl))
        return 0;
    unsigned long long raw_len = ZSTD_getFrameContentSize(z, fl);
    if (raw_len == ZSTD_CONTENTSIZE_UNKNOWN || raw_len == ZSTD_CONTENTSIZE_ERROR)
        return 0;
    if (raw_len > LDG_EV_HEAD_RAW_MAX) /* only a version 1 file has so large a first frame */
        return fl == zl ? 2 : 0;
    uint8_t raw[LDG_EV_HEAD_RAW_MAX];
    size_t got = ZSTD_decompress(raw, sizeof raw, z, fl);
    ldg_dec d;
    if (ZSTD_isError(got) || got != raw_len || ldg_decode(&d, raw, got) != LDG_OK)
        return 0;
    const msgpack_object *f;
    uint64_t version = 0;
    char magic[32];
    bool ok = d.root->type == MSGPACK_OBJECT_ARRAY && d.root->via.array.size == 6 &&
              ldg_obj_array(d.root, 6, &f) && ldg_obj_str(&f[0], magic, sizeof magic - 1, false) &&
              !strcmp(magic, SLICE_MAGIC) && ldg_obj_u64(&f[1], &version);
    int v = 0;
    if (ok && version == 1 && fl == zl)
        v = 2;
    else if (ok && (version == 2 || version == 3) &&
             ldg_obj_bin(&f[2], h->subject.b, LDG_ACCOUNT_LEN) && ldg_obj_bin(&f[3], h->key, 32) &&
             ldg_obj_u64(&f[4], &h->n) && head_tiles(h, &f[5]))
        v = 1;
    ldg_dec_free(&d);
    h->version = version;
    h->head_zlen = fl;
    return v;
}

void ldg_ev_proved_free(ldg_ev_proved *p)
{
    free(p->bytes);
    free(p->line);
    memset(p, 0, sizeof *p);
}

static uint8_t *dup(const uint8_t *d, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    LDG_ASSERT(b);
    if (n)
        memcpy(b, d, n);
    return b;
}

/* The record at index i of s, whose leaves are at hand, with a path within s. */
static void fill(ldg_ev_proved *out, const ldg_ev_slice *s, size_t i)
{
    memset(out, 0, sizeof *out);
    out->subject = s->subject;
    out->index = i;
    out->id = s->ids[i];
    out->time_ms = s->times[i];
    out->bytes_len = s->rec_off[i + 1] - s->rec_off[i];
    out->bytes = dup(s->rec.d + s->rec_off[i], out->bytes_len);
    out->line_len = s->purged ? 0 : s->line_off[i + 1] - s->line_off[i];
    out->line = s->purged ? NULL : dup(s->line.d + s->line_off[i], out->line_len);
    LDG_ASSERT(ldg_ev_record_decode(&out->record, out->bytes, out->bytes_len));
    out->path_len = (uint32_t)ldg_ev_path(out->path, s->leaves, s->n, i);
}

void ldg_ev_proved_from_slice(ldg_ev_proved *out, const ldg_ev_slice *s, size_t index)
{
    fill(out, s, index);
    out->slice_root = s->root;
    out->n = s->n;
    ldg_ev_salts(&out->salt, s->version, s->key, index, 1);
}

/* Reads the head of f. */
static ldg_ev_tile_res read_head(FILE *f, ldg_ev_slice_head *h)
{
    uint8_t buf[LDG_EV_HEAD_RAW_MAX + 1024];
    if (fseek(f, 0, SEEK_SET) != 0)
        return LDG_EV_TILE_BAD;
    size_t n = fread(buf, 1, sizeof buf, f);
    int v = ldg_ev_head_decode(h, buf, n);
    if (v == 0 && n == sizeof buf) { /* a version 1 file larger than buf */
        unsigned long long rl = ZSTD_getFrameContentSize(buf, n);
        if (rl != ZSTD_CONTENTSIZE_UNKNOWN && rl != ZSTD_CONTENTSIZE_ERROR &&
            rl > LDG_EV_HEAD_RAW_MAX)
            return LDG_EV_TILE_V1;
    }
    return v == 1 ? LDG_EV_TILE_OK : v == 2 ? LDG_EV_TILE_V1 : LDG_EV_TILE_BAD;
}

/* Tile k of f, decoded into t (empty on failure). */
static bool read_tile(FILE *f, const ldg_ev_slice_head *h, uint32_t k, ldg_ev_slice *t)
{
    uint64_t pos = h->head_zlen;
    for (uint32_t i = 0; i < k; i++)
        pos += h->zlen[i];
    memset(t, 0, sizeof *t);
    if (h->zlen[k] > ZSTD_compressBound(LDG_EV_TILE_RAW_MAX) || fseek(f, (long)pos, SEEK_SET) != 0)
        return false;
    uint8_t *z = malloc(h->zlen[k] ? h->zlen[k] : 1);
    LDG_ASSERT(z);
    bool ok = fread(z, 1, h->zlen[k], f) == h->zlen[k];
    size_t len = 0;
    uint8_t *raw = NULL;
    if (ok) {
        unsigned long long rl = ZSTD_getFrameContentSize(z, h->zlen[k]);
        ok = rl != ZSTD_CONTENTSIZE_UNKNOWN && rl != ZSTD_CONTENTSIZE_ERROR &&
             rl <= LDG_EV_TILE_RAW_MAX && ZSTD_findFrameCompressedSize(z, h->zlen[k]) == h->zlen[k];
        if (ok) {
            raw = malloc(rl ? rl : 1);
            LDG_ASSERT(raw);
            len = ZSTD_decompress(raw, rl, z, h->zlen[k]);
            ok = !ZSTD_isError(len) && len == rl;
        }
    }
    uint64_t left = h->n - (uint64_t)k * LDG_EV_TILE_RECORDS;
    uint32_t want = (uint32_t)(left < LDG_EV_TILE_RECORDS ? left : LDG_EV_TILE_RECORDS);
    t->version = (uint8_t)h->version;
    ok = ok && ldg_ev_tile_add(t, raw, len, want);
    free(z);
    free(raw);
    if (!ok) {
        ldg_ev_slice_clear(t);
        return false;
    }
    t->subject = h->subject;
    memcpy(t->key, h->key, 32);
    return true;
}

/* Leaves of tile k (salted with the slice's indexes), its root checked against the head's,
 * and the record at i within the tile proved up to root. */
static ldg_ev_tile_res prove_in_tile(const ldg_ev_slice_head *h, uint32_t k, ldg_ev_slice *t,
                                     size_t i, const ldg_hash *root, ldg_ev_proved *out)
{
    uint64_t base = (uint64_t)k * LDG_EV_TILE_RECORDS;
    t->leaves = malloc(t->n * sizeof *t->leaves);
    LDG_ASSERT(t->leaves);
    t->leaves_cap = t->n;
    ldg_hash salts[LDG_EV_TILE_RECORDS];
    ldg_ev_salts(salts, (unsigned)h->version, h->key, base, t->n);
    for (size_t j = 0; j < t->n; j++)
        ldg_ev_leaf(&t->leaves[j], &salts[j], &t->ids[j]);
    ldg_ev_root(&t->root, t->leaves, t->n);
    if (memcmp(t->root.b, h->root[k].b, LDG_HASH_LEN) != 0)
        return LDG_EV_TILE_BAD;
    fill(out, t, i);
    /* Tiles are aligned perfect subtrees (the last one the right edge), so the slice's path
     * is the path in the tile, then the tile's path among the tile roots. */
    out->path_len += (uint32_t)ldg_ev_path(out->path + out->path_len, h->root, h->tiles, k);
    out->index = base + i;
    out->n = h->n;
    out->slice_root = *root;
    out->salt = salts[i];
    ldg_hash leaf;
    ldg_ev_leaf(&leaf, &out->salt, &out->id);
    if (!ldg_ev_path_verify(&leaf, out->index, out->n, out->path, out->path_len, root)) {
        ldg_ev_proved_free(out);
        return LDG_EV_TILE_BAD;
    }
    return LDG_EV_TILE_OK;
}

ldg_ev_tile_res ldg_ev_tile_by_index(FILE *f, const ldg_hash *root, uint64_t index,
                                     ldg_ev_proved *out)
{
    ldg_ev_slice_head *h = malloc(sizeof *h);
    LDG_ASSERT(h);
    ldg_ev_tile_res r = read_head(f, h);
    if (r == LDG_EV_TILE_OK && index >= h->n)
        r = LDG_EV_TILE_NOT_FOUND;
    ldg_ev_slice t = {0};
    uint32_t k = (uint32_t)(index / LDG_EV_TILE_RECORDS);
    if (r == LDG_EV_TILE_OK && !read_tile(f, h, k, &t))
        r = LDG_EV_TILE_BAD;
    if (r == LDG_EV_TILE_OK)
        r = prove_in_tile(h, k, &t, index % LDG_EV_TILE_RECORDS, root, out);
    ldg_ev_slice_clear(&t);
    free(h);
    return r;
}

ldg_ev_tile_res ldg_ev_tile_by_seq(FILE *f, const ldg_hash *root, const char *source, uint64_t seq,
                                   ldg_ev_proved *out)
{
    ldg_ev_slice_head *h = malloc(sizeof *h);
    LDG_ASSERT(h);
    ldg_ev_tile_res r = read_head(f, h);
    uint32_t k = 0;
    while (r == LDG_EV_TILE_OK && k + 1 < h->tiles && h->first_seq[k + 1] <= seq)
        k++;
    if (r == LDG_EV_TILE_OK && (h->first_seq[0] > seq))
        r = LDG_EV_TILE_NOT_FOUND;
    ldg_ev_slice t = {0};
    if (r == LDG_EV_TILE_OK && !read_tile(f, h, k, &t))
        r = LDG_EV_TILE_BAD;
    size_t i = 0;
    while (r == LDG_EV_TILE_OK && i < t.n) {
        ldg_ev_record rec;
        if (ldg_ev_record_decode(&rec, t.rec.d + t.rec_off[i], t.rec_off[i + 1] - t.rec_off[i]) &&
            rec.seq == seq && !strcmp(rec.source, source))
            break;
        i++;
    }
    if (r == LDG_EV_TILE_OK && i == t.n)
        r = LDG_EV_TILE_NOT_FOUND;
    if (r == LDG_EV_TILE_OK)
        r = prove_in_tile(h, k, &t, i, root, out);
    ldg_ev_slice_clear(&t);
    free(h);
    return r;
}
