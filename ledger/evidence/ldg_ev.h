/* Evidence preservation (specs/evidence.md): standardised records read from hostile log
 * files, RFC 9162 Merkle trees over salted records, the anchor transaction and the subject
 * log it extends, and offline bundles. A module registered with the executor
 * (ldg_ev_register); the ledger core knows nothing of it. */
#ifndef LDG_EV_H
#define LDG_EV_H

#include "ldg_codec.h"
#include "ldg_exec.h"
#include "ldg_hash.h"
#include "ldg_key.h"
#include "ldg_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LDG_TAG_EV_PAYLOAD "folio/ev-payload"
#define LDG_TAG_EV_RECORD "folio/ev-record"
#define LDG_TAG_EV_SALT "folio/ev-salt"
#define LDG_TAG_EV_LEAF "folio/ev-leaf"
#define LDG_TAG_EV_NODE "folio/ev-node"
#define LDG_TAG_EV_EMPTY "folio/ev-empty"
#define LDG_TAG_EV_LOGLEAF "folio/ev-logleaf"

/* TH(tag, data) (encoding.md §2), with the evidence tags' midstates cached. */
void ldg_ev_th(ldg_hash *out, const char *tag, const void *data, size_t len);

/* The evidence tags by index, for the hot paths (no tag lookup per hash). */
typedef enum ldg_ev_tag {
    LDG_EV_T_PAYLOAD,
    LDG_EV_T_RECORD,
    LDG_EV_T_SALT,
    LDG_EV_T_LEAF,
    LDG_EV_T_NODE,
    LDG_EV_T_EMPTY,
    LDG_EV_T_LOGLEAF
} ldg_ev_tag;
void ldg_ev_th_at(ldg_hash *out, ldg_ev_tag tag, const void *data, size_t len);

#define LDG_EV_SCHEMA "lines/1"
#define LDG_EV_TYPE_LEN_MAX 32

/* Transaction type and result codes (stable: transactions.md, errors.md). */
enum { LDG_TX_EV_ANCHOR = 200, LDG_TX_EV_DISCLOSE = 201, LDG_TX_EV_ATTEST = 202 };
enum {
    LDG_R_EV_BAD_SLICE = 150,
    LDG_R_EV_FUTURE = 151,
    LDG_R_EV_BLOCK_FULL = 152,
    LDG_R_EV_DUPLICATE = 153,
    LDG_R_EV_STALE_HEAD = 154,
    LDG_R_EV_BAD_LOG_ROOT = 155,
    LDG_R_EV_NOT_ANCHORED = 156,
    LDG_R_EV_NOT_INCLUDED = 157,
    LDG_R_EV_NOT_DISCLOSURE = 158,
    LDG_R_EV_ATTESTED = 159,
    LDG_R_EV_OWN_SLICE = 160,
};

/* The longest instrument id a disclosure names (an ISIN is 12). */
#define LDG_EV_ISIN_LEN_MAX 12

/* Whether a disclosure and its acknowledgement are registered on chain for this investor
 * and instrument (§10): *found. */
ldg_err ldg_ev_disclosure_get(ldg_state *st, const ldg_account *investor, const char *isin,
                              bool *found) LDG_WARN_UNUSED;
/* The evidence.disclose transaction type (ldg_ev_disclose.c). */
extern const ldg_tx_type ldg_ev_disclose_type;
/* Mirrors (§2.4): evidence.attest, and the number of members attesting a copy of a slice. */
extern const ldg_tx_type ldg_ev_attest_type;
ldg_err ldg_ev_copies_get(ldg_state *st, const ldg_hash *root, uint64_t *copies) LDG_WARN_UNUSED;

/* Registers the result codes and the anchor transaction type. */
void ldg_ev_register(ldg_registry *r);

/* ---- records (§1) ---- */

typedef struct ldg_ev_record {
    ldg_account subject;
    char source[LDG_EV_SOURCE_LEN_MAX + 1];
    uint64_t offset;
    uint64_t seq;
    uint64_t time_ms;
    char type[LDG_EV_TYPE_LEN_MAX + 1];
    uint32_t link_count;
    ldg_hash links[LDG_EV_LINKS_MAX];
    ldg_hash payload_hash;
} ldg_ev_record;

/* The longest record: array, version, subject, a 255-byte source (str8), three u64, a
 * 32-byte type, 8 links and the payload hash. */
#define LDG_EV_RECORD_BYTES_MAX (2 + 22 + 257 + 27 + 34 + 1 + (LDG_EV_LINKS_MAX + 1) * 34)

/* Appends the canonical record to e. */
void ldg_ev_record_encode(ldg_enc *e, const ldg_ev_record *r);
/* The same into out; source_len is strlen(r->source). Returns the length. */
size_t ldg_ev_record_pack(uint8_t out[LDG_EV_RECORD_BYTES_MAX], const ldg_ev_record *r,
                          size_t source_len);
/* Decodes record bytes; false if they are not a canonical record of version 1. */
bool ldg_ev_record_decode(ldg_ev_record *r, const uint8_t *data, size_t len) LDG_WARN_UNUSED;
void ldg_ev_record_id(ldg_hash *out, const uint8_t *record_bytes, size_t len);

/* Reader errors (specs/evidence.md §1.1): numbers stable. */
typedef enum ldg_ev_rerr {
    LDG_EV_ROK = 0,
    LDG_EV_LINE_TOO_LONG = 1,
    LDG_EV_TRUNCATED = 2,
    LDG_EV_FIELDS = 3,
    LDG_EV_TIME = 4,
    LDG_EV_TYPE = 5,
    LDG_EV_LINKS = 6,
    LDG_EV_LINK_UNKNOWN = 7,
    LDG_EV_LINK_LATER = 8,
    LDG_EV_EMPTY = 9,
    LDG_EV_IO = 10,
    LDG_EV_TOO_MANY = 11,
    LDG_EV_SCHEMA_FIELD = 12,
} ldg_ev_rerr;
const char *ldg_ev_rerr_name(ldg_ev_rerr e);

/* ---- input formats (§1.4) ---- */

typedef enum ldg_ev_fmt {
    LDG_EV_FMT_LINES = 0,
    LDG_EV_FMT_JSONL = 1,
    LDG_EV_FMT_CSV = 2
} ldg_ev_fmt;

/* How a line of another format gives TIME, TYPE and LINKS, and which fields it must have. */
typedef struct ldg_ev_schema {
    ldg_ev_fmt format;
    char time[LDG_EV_FIELD_NAME_MAX + 1], type[LDG_EV_FIELD_NAME_MAX + 1],
        links[LDG_EV_FIELD_NAME_MAX + 1];
    uint32_t nrequired;
    char required[LDG_EV_SCHEMA_REQUIRED_MAX][LDG_EV_FIELD_NAME_MAX + 1];
    /* csv: the column names; 0 = the file's first line is its header. */
    uint32_t ncolumns;
    char columns[LDG_EV_CSV_COLUMNS_MAX][LDG_EV_FIELD_NAME_MAX + 1];
} ldg_ev_schema;

/* time, type, links, no required field, csv columns from the header. */
void ldg_ev_schema_default(ldg_ev_schema *s, ldg_ev_fmt format);

/* The three values a line gives, bounded (a longer one is cut and flagged). */
typedef struct ldg_ev_field {
    uint8_t v[LDG_EV_LINKS_MAX * 66 + 8];
    size_t len;
    bool too_long;
} ldg_ev_field;
typedef struct ldg_ev_fields {
    ldg_ev_field time, type, links;
    char why[160];
} ldg_ev_fields;

/* Splits a jsonl or csv line (hostile) under its schema: LDG_EV_ROK, or LDG_EV_FIELDS (not
 * a JSON object / CSV record of the columns) or LDG_EV_SCHEMA_FIELD (a field missing), f->why
 * saying which. */
ldg_ev_rerr ldg_ev_split(const ldg_ev_schema *s, const uint8_t *line, size_t len,
                         ldg_ev_fields *f) LDG_WARN_UNUSED;
/* Reads a CSV header line into s->columns. */
ldg_ev_rerr ldg_ev_csv_header(ldg_ev_schema *s, const uint8_t *line, size_t len, char *why,
                              size_t why_len) LDG_WARN_UNUSED;

/* Looks an id link (64 hex) up outside the file (the broker's store): true with its time
 * if known. NULL: every id link is LINK_UNKNOWN. */
typedef bool (*ldg_ev_lookup_fn)(void *arg, const ldg_hash *id, uint64_t *time_ms);

/* Streaming reader: one line of memory plus the link window, whatever the input's size. */
typedef struct ldg_ev_reader ldg_ev_reader;

/* Reads from f (borrowed; not closed). source is the file name records carry. Returns NULL
 * on allocation failure. */
ldg_ev_reader *ldg_ev_reader_new(FILE *f, const ldg_account *subject, const char *source,
                                 ldg_ev_lookup_fn lookup, void *lookup_arg);
/* Reads another format than lines/1 (copied; before the first record). */
void ldg_ev_reader_set_schema(ldg_ev_reader *rd, const ldg_ev_schema *s);
void ldg_ev_reader_free(ldg_ev_reader *rd);
/* The next record: LDG_EV_ROK with *done false and r, its bytes (borrowed until the next
 * call), the line (borrowed too) and id filled; *done true at a clean end. On an error the
 * reader is finished; ldg_ev_reader_error describes it with line and offset. */
ldg_ev_rerr ldg_ev_reader_next(ldg_ev_reader *rd, ldg_ev_record *r, const uint8_t **bytes,
                               size_t *bytes_len, const uint8_t **line, size_t *line_len,
                               ldg_hash *id, bool *done) LDG_WARN_UNUSED;
const char *ldg_ev_reader_error(const ldg_ev_reader *rd);
/* The file's digest, valid once *done: SHA-256 over the payload hash of each line (§2.2),
 * which identifies the file's bytes without hashing them a second time. */
void ldg_ev_reader_digest(ldg_ev_reader *rd, ldg_hash *out);
/* Batches, for the parallel ingest: the lines of a batch stay in the reader's buffer (valid
 * until the next ldg_ev_reader_batch), their payload hashes are computed by any thread
 * (ldg_ev_batch_hash, disjoint ranges), then each line is taken in order on the reader's
 * thread (links, record, id, file digest). */
typedef struct ldg_ev_batch {
    const uint8_t *line[LDG_EV_BATCH_LINES];
    size_t len[LDG_EV_BATCH_LINES];
    ldg_hash ph[LDG_EV_BATCH_LINES];
    size_t n, next;
} ldg_ev_batch;
/* The next lines (at most LDG_EV_BATCH_LINES, those the buffer holds whole): LDG_EV_ROK with
 * b->n > 0, or *done at a clean end, or an error (as ldg_ev_reader_next) for the first line
 * that cannot be read once the lines before it were taken. */
ldg_ev_rerr ldg_ev_reader_batch(ldg_ev_reader *rd, ldg_ev_batch *b, bool *done) LDG_WARN_UNUSED;
/* Payload hashes of lines [from, to) of b. */
void ldg_ev_batch_hash(ldg_ev_batch *b, size_t from, size_t to);
/* Takes the next line of b, hashed: as ldg_ev_reader_next, or *skip for a csv header. */
ldg_ev_rerr ldg_ev_reader_take(ldg_ev_reader *rd, ldg_ev_batch *b, ldg_ev_record *r,
                               const uint8_t **bytes, size_t *bytes_len, const uint8_t **line,
                               size_t *line_len, ldg_hash *id, bool *skip) LDG_WARN_UNUSED;
/* The same parser on one line held in memory (no \n), for fuzzing and tests; window
 * links resolve against nothing. */
ldg_ev_rerr ldg_ev_parse_line(const uint8_t *line, size_t len, ldg_ev_record *r);

/* ---- slices and the ingest pipeline (§2, §2.2) ---- */

/* A slice file decompresses to at most its lines, its records and framing. */
#define LDG_EV_SLICE_RAW_MAX                                                                       \
    ((size_t)LDG_EV_SLICE_BYTES_MAX + (size_t)LDG_EV_SLICE_RECORDS_MAX * 1024)

typedef struct ldg_ev_blob {
    uint8_t *d;
    size_t len, cap;
} ldg_ev_blob;

/* A slice in memory: its records' bytes, lines, ids and times; root and time range once
 * sealed. Owns its memory (ldg_ev_slice_clear). */
typedef struct ldg_ev_slice {
    ldg_account subject;
    uint8_t key[32];
    ldg_ev_blob rec, line;
    size_t *rec_off, *line_off; /* n + 1 entries */
    uint64_t *times;
    ldg_hash *ids;
    size_t n, cap;
    ldg_hash *leaves; /* n once sealed */
    size_t leaves_cap;
    ldg_hash root;
    uint64_t t_first, t_last;
    /* Filled by the ingest pipeline only: linked id || record id (64 bytes) per link of its
     * records, for the store's link index. */
    ldg_ev_blob links;
    /* Retention (§2.3): the lines were deleted (all empty here); written as nil lines. */
    bool purged;
    /* The slice file's version (§2.2): LDG_EV_SLICE_VERSION for what the ingest writes (salts
     * from an AES-256-CTR keystream, tiles' records without their payload hash); 0 to 2 the
     * earlier files (salts by TH("folio/ev-salt")), still read and written back as version 2. */
    uint8_t version;
} ldg_ev_slice;

/* The slice file version the ingest writes (specs/evidence.md §2, §2.2). */
#define LDG_EV_SLICE_VERSION 3

void ldg_ev_slice_clear(ldg_ev_slice *s);
void ldg_ev_slice_add(ldg_ev_slice *s, const uint8_t *rec, size_t rl, const uint8_t *line,
                      size_t ll, const ldg_hash *id, uint64_t time_ms);
/* Salts, leaves (kept in s->leaves), root and time range; the key must be set. */
void ldg_ev_slice_seal(ldg_ev_slice *s);
/* The slice file (§2.2), zstd-compressed; malloc'd. */
uint8_t *ldg_ev_slice_encode(const ldg_ev_slice *s, size_t *len);
/* Decodes a slice file (hostile bytes): re-hashes every record and reseals, so s->root is
 * what the contents hash to. False (s empty) if it does not decode. */
bool ldg_ev_slice_decode(ldg_ev_slice *s, const uint8_t *z, size_t zl) LDG_WARN_UNUSED;

/* Whether each line of a decoded slice hashes to its record's payload_hash (the root covers
 * the records, not the lines: a copy whose lines were altered and recompressed still has
 * the anchored root). True for a purged slice; false with *bad the first wrong index. */
bool ldg_ev_slice_lines_ok(const ldg_ev_slice *s, size_t *bad) LDG_WARN_UNUSED;

/* Receives each sealed slice and its compressed file bytes, in order, one call at a time, on
 * whichever pool thread finished the slice's last tile (possibly the calling thread, while
 * it waits): it must not touch what keep and lookup use. Returns false to stop the ingest. */
typedef bool (*ldg_ev_sink_fn)(void *arg, const ldg_ev_slice *s, const uint8_t *z, size_t zl);

/* Whether a record read goes into the slices (false: read, hashed, linkable, not stored:
 * e.g. a line of a growing file that is already anchored). */
typedef bool (*ldg_ev_keep_fn)(void *arg, const ldg_ev_record *r);

typedef struct ldg_ev_ingest_out {
    uint64_t lines;           /* records read */
    uint64_t records, slices; /* records kept, in this many slices */
    ldg_hash digest;          /* the file's digest (ldg_ev_reader_digest) */
    char error[256];
} ldg_ev_ingest_out;

/* Reads a whole log into slices of fresh random keys, on a pool of one thread per core
 * (specs/evidence.md §9): payload hashes of each batch of lines on every core; links, record
 * ids and the file digest in order on the calling thread (keep and lookup are called
 * there); each full slice sealed and compressed per tile on the pool while the next one
 * fills (one slice in flight), then the sink. keep (NULL: every record) filters what is
 * stored. Returns LDG_EV_ROK, a reader error, or LDG_EV_IO if the sink refused (out->error
 * says which). */
ldg_ev_rerr ldg_ev_ingest(FILE *f, const ldg_account *subject, const char *source,
                          ldg_ev_lookup_fn lookup, void *lookup_arg, ldg_ev_keep_fn keep,
                          void *keep_arg, ldg_ev_sink_fn sink, void *sink_arg,
                          ldg_ev_ingest_out *out) LDG_WARN_UNUSED;
/* The same for a format given by schema (NULL: lines/1). */
ldg_ev_rerr ldg_ev_ingest_schema(FILE *f, const ldg_account *subject, const char *source,
                                 const ldg_ev_schema *schema, ldg_ev_lookup_fn lookup,
                                 void *lookup_arg, ldg_ev_keep_fn keep, void *keep_arg,
                                 ldg_ev_sink_fn sink, void *sink_arg,
                                 ldg_ev_ingest_out *out) LDG_WARN_UNUSED;

/* ---- tiles: one record out of a slice file without reading the slice (§2.2) ---- */

#define LDG_EV_TILES_MAX (LDG_EV_SLICE_RECORDS_MAX / LDG_EV_TILE_RECORDS)
/* The head frame of a slice file decompresses to at most this. */
#define LDG_EV_HEAD_RAW_MAX ((size_t)128 + (size_t)LDG_EV_TILES_MAX * 64)
/* A tile frame decompresses to at most its records, lines and framing. */
#define LDG_EV_TILE_RAW_MAX ((size_t)LDG_EV_TILE_RECORDS * (4096 + LDG_EV_LINE_MAX + 16) + 16)

/* The head of a slice file: where each tile's frame is, its first seq and its root. */
typedef struct ldg_ev_slice_head {
    uint64_t version;
    ldg_account subject;
    uint8_t key[32];
    uint64_t n;
    uint32_t tiles;
    size_t head_zlen;
    uint64_t zlen[LDG_EV_TILES_MAX], first_seq[LDG_EV_TILES_MAX];
    ldg_hash root[LDG_EV_TILES_MAX];
} ldg_ev_slice_head;

/* Decodes the head frame at the start of z (hostile). 0: not a slice file of version 2 or 3;
 * 1: a version 2 or 3 head (h filled, h->version says which); 2: a version 1 file (one frame,
 * no tiles). */
int ldg_ev_head_decode(ldg_ev_slice_head *h, const uint8_t *z, size_t zl) LDG_WARN_UNUSED;

/* Adds one tile frame's raw bytes ([[record…], [line…]], exactly want records) to s, read as
 * of version s->version (3: with lines, each record's payload hash is not stored but rebuilt
 * from its line). */
bool ldg_ev_tile_add(ldg_ev_slice *s, const uint8_t *raw, size_t len,
                     uint32_t want) LDG_WARN_UNUSED;

/* One record of a slice with everything a bundle item needs; owns its bytes. line is NULL
 * when the slice's lines were deleted (retention). */
typedef struct ldg_ev_proved {
    ldg_account subject;
    ldg_hash slice_root, id, salt;
    uint64_t n, index, time_ms;
    ldg_ev_record record;
    uint8_t *bytes, *line;
    size_t bytes_len, line_len;
    uint32_t path_len;
    ldg_hash path[LDG_EV_PATH_MAX];
} ldg_ev_proved;
void ldg_ev_proved_free(ldg_ev_proved *p);
/* The record at index of a loaded (sealed) slice. */
void ldg_ev_proved_from_slice(ldg_ev_proved *out, const ldg_ev_slice *s, size_t index);

typedef enum ldg_ev_tile_res {
    LDG_EV_TILE_OK = 0,
    LDG_EV_TILE_NOT_FOUND = 1, /* no such index or line in this slice */
    LDG_EV_TILE_V1 = 2,        /* a version 1 file: load the whole slice */
    LDG_EV_TILE_BAD = 3,       /* unreadable, or does not hash to root: the store changed */
} ldg_ev_tile_res;

/* The record at index of the slice file f claimed to have root `root`: reads the head and
 * one tile, re-hashes the tile and checks the path against root. */
ldg_ev_tile_res ldg_ev_tile_by_index(FILE *f, const ldg_hash *root, uint64_t index,
                                     ldg_ev_proved *out) LDG_WARN_UNUSED;
/* The record of line seq of source, likewise. */
ldg_ev_tile_res ldg_ev_tile_by_seq(FILE *f, const ldg_hash *root, const char *source, uint64_t seq,
                                   ldg_ev_proved *out) LDG_WARN_UNUSED;

/* ---- trees (§2, §4) ---- */

/* The salt of version 0 to 2 slices: TH("folio/ev-salt", slice_key || be64(index)). */
void ldg_ev_salt(ldg_hash *out, const uint8_t slice_key[32], uint64_t index);
/* The salts of records first .. first + count - 1 of a slice of that version (§2): version 3,
 * bytes [32 i, 32 i + 32) of the AES-256-CTR keystream of slice_key (one cipher call for
 * them all); earlier versions, ldg_ev_salt. */
void ldg_ev_salts(ldg_hash *out, unsigned version, const uint8_t slice_key[32], uint64_t first,
                  size_t count);
void ldg_ev_leaf(ldg_hash *out, const ldg_hash *salt, const ldg_hash *record_id);
void ldg_ev_node(ldg_hash *out, const ldg_hash *l, const ldg_hash *r);
void ldg_ev_log_leaf(ldg_hash *out, const ldg_hash *slice_root, uint64_t count, uint64_t time_first,
                     uint64_t time_last);
/* MTH over n leaf hashes (RFC 9162 §2.1.1). */
void ldg_ev_root(ldg_hash *out, const ldg_hash *leaves, size_t n);
/* Inclusion path of leaf m in n leaves (RFC 9162 PATH): returns the number of hashes
 * written to path (room for LDG_EV_PATH_MAX). m < n. */
size_t ldg_ev_path(ldg_hash *path, const ldg_hash *leaves, size_t n, size_t m);
/* RFC 9162 §2.1.3.2. */
bool ldg_ev_path_verify(const ldg_hash *leaf, uint64_t index, uint64_t size, const ldg_hash *path,
                        size_t path_len, const ldg_hash *root);
/* Consistency proof from size m to n (RFC 9162 PROOF, 0 < m <= n): hashes written. */
size_t ldg_ev_consistency(ldg_hash *proof, const ldg_hash *leaves, size_t n, size_t m);
/* MTH of the leaves [start, start + size) of a log, from stored nodes: false if one is
 * missing or unreadable. */
typedef bool (*ldg_ev_range_fn)(void *arg, uint64_t start, uint64_t size, ldg_hash *out);
/* MTH of [start, start + size) from the perfect subtrees of its binary decomposition (start
 * a multiple of the largest), each read by node(arg, level, index): at most 64 reads. */
typedef bool (*ldg_ev_node_fn)(void *arg, uint32_t level, uint64_t index, ldg_hash *out);
bool ldg_ev_range_root(ldg_ev_node_fn node, void *arg, uint64_t start, uint64_t size,
                       ldg_hash *out) LDG_WARN_UNUSED;
/* The same proof as ldg_ev_consistency from a log's stored nodes (node(level, index): the
 * root of the perfect subtree of leaves [index * 2^level, (index + 1) * 2^level)), reading
 * O(log^2 n) of them and no leaf: false (*len unset) if one is missing. */
bool ldg_ev_consistency_nodes(ldg_hash *proof, size_t *len, uint64_t n, uint64_t m,
                              ldg_ev_node_fn node, void *arg) LDG_WARN_UNUSED;
/* RFC 9162 §2.1.4.2. */
bool ldg_ev_consistency_verify(uint64_t m, uint64_t n, const ldg_hash *root_m,
                               const ldg_hash *root_n, const ldg_hash *proof, size_t len);

/* Peaks of a log (§4): roots of its perfect subtrees, largest first. */
typedef struct ldg_ev_peaks {
    uint64_t size;
    uint32_t count;
    ldg_hash p[64];
} ldg_ev_peaks;
void ldg_ev_peaks_append(ldg_ev_peaks *pk, const ldg_hash *leaf);
void ldg_ev_peaks_root(const ldg_ev_peaks *pk, ldg_hash *out);
/* The root after appending leaf, without changing pk. */
void ldg_ev_peaks_root_with(const ldg_ev_peaks *pk, const ldg_hash *leaf, ldg_hash *out);

/* ---- the anchor (§3) ---- */

typedef struct ldg_ev_anchor {
    ldg_hash slice_root;
    uint64_t record_count;
    uint64_t time_first, time_last;
    ldg_hash prev_anchor;
    uint64_t log_size;
    ldg_hash log_root;
} ldg_ev_anchor;

void ldg_ev_anchor_encode(ldg_enc *e, const ldg_ev_anchor *a);
bool ldg_ev_anchor_decode(ldg_ev_anchor *a, const msgpack_object *payload) LDG_WARN_UNUSED;

/* The head of a subject log: state 'P' 'h' account. */
typedef struct ldg_ev_head {
    ldg_hash last_anchor;
    ldg_ev_peaks peaks;
} ldg_ev_head;
/* Zero head (size 0) if absent. */
ldg_err ldg_ev_head_get(ldg_state *st, const ldg_account *subject,
                        ldg_ev_head *out) LDG_WARN_UNUSED;

/* A log entry: state 'P' 'l' account index. */
typedef struct ldg_ev_entry {
    ldg_account subject;
    uint64_t index;
    ldg_hash slice_root;
    uint64_t record_count, time_first, time_last;
    ldg_hash anchor_txid;
    uint64_t height;
    uint32_t path_len;
    ldg_hash path[64];
} ldg_ev_entry;
/* Appends an anchored slice to subject's log (§4): its entry en (index = h's size; its path
 * set here), the log's stored nodes (every perfect subtree the leaf completes: 'P' 't'),
 * and the head h (peaks, last_anchor = en->anchor_txid), written to st. */
void ldg_ev_log_append(ldg_state *st, ldg_ev_head *h, ldg_ev_entry *en, const ldg_hash *leaf);
/* The consistency proof between sizes m and n (0 < m <= n <= the log's size) of subject's
 * log from its stored nodes, with both roots: LDG_OK, LDG_ERR_NOT_FOUND if the log has no
 * stored nodes for that range (entries anchored before they were kept: read its leaves),
 * LDG_ERR_CORRUPT. */
ldg_err ldg_ev_log_consistency(ldg_state *st, const ldg_account *subject, uint64_t m, uint64_t n,
                               ldg_hash *proof, size_t *len, ldg_hash *root_m,
                               ldg_hash *root_n) LDG_WARN_UNUSED;
/* The entry of an anchored slice root: LDG_OK with *found. */
ldg_err ldg_ev_entry_by_root(ldg_state *st, const ldg_hash *slice_root, ldg_ev_entry *out,
                             bool *found) LDG_WARN_UNUSED;

/* ---- bundles (§6) ---- */

/* Verification failures (§6.3), numbers stable. */
typedef enum ldg_ev_verr {
    LDG_EV_VOK = 0,
    LDG_EV_BUNDLE_FORMAT = 1,
    LDG_EV_WRONG_CHAIN = 2,
    LDG_EV_ANCHOR_TX = 3,
    LDG_EV_ANCHOR_NOT_IN_BLOCK = 4,
    LDG_EV_CERTIFICATE = 5,
    LDG_EV_LOG_PATH = 6,
    LDG_EV_RECORD = 7,
    LDG_EV_PAYLOAD = 8,
    LDG_EV_SUBJECT = 9,
    LDG_EV_INCLUSION = 10,
    LDG_EV_TIME_RANGE = 11,
    LDG_EV_LINK_MISSING = 12,
    LDG_EV_LINK_LATER_V = 13,
    LDG_EV_CHAIN_ORDER = 14,
    LDG_EV_CHAIN_DISCONNECTED = 15,
} ldg_ev_verr;
const char *ldg_ev_verr_name(ldg_ev_verr e);

/* What a verified bundle says, per item (for printing). */
typedef struct ldg_ev_fact {
    ldg_ev_record record;
    ldg_hash id;
    ldg_pubkey signer;
    uint64_t height, block_time_ms;
    ldg_hash anchor_txid;
    bool has_line;
} ldg_ev_fact;

/* Verifies bundle bytes against a genesis document (encoding.md §8). facts (room for
 * LDG_EV_BUNDLE_ITEMS_MAX) and *nfacts are filled on success. why (optional) gets a
 * sentence. */
ldg_ev_verr ldg_ev_bundle_verify(const uint8_t *bundle, size_t len, const uint8_t *genesis,
                                 size_t genesis_len, ldg_ev_fact *facts, size_t *nfacts, char *why,
                                 size_t why_len) LDG_WARN_UNUSED;

/* The same, and *chain (optional) true for a chain bundle (version 2: §6.3 step 6 checked). */
ldg_ev_verr ldg_ev_bundle_verify_v(const uint8_t *bundle, size_t len, const uint8_t *genesis,
                                   size_t genesis_len, ldg_ev_fact *facts, size_t *nfacts,
                                   bool *chain, char *why, size_t why_len) LDG_WARN_UNUSED;

/* Bundle building: one item and the anchors as the RPC gives them. */
typedef struct ldg_ev_bundle_item {
    const uint8_t *record;
    size_t record_len;
    const uint8_t *line; /* NULL: private */
    size_t line_len;
    ldg_hash salt;
    uint64_t leaf_index;
    uint32_t path_len;
    ldg_hash path[LDG_EV_PATH_MAX];
    uint64_t anchor;
} ldg_ev_bundle_item;

typedef struct ldg_ev_bundle_anchor {
    const uint8_t *tx, *header, *cert, *refs;
    size_t tx_len, header_len, cert_len, refs_len;
    uint32_t log_path_len;
    ldg_hash log_path[64];
} ldg_ev_bundle_anchor;

void ldg_ev_bundle_encode(ldg_enc *e, const ldg_hash *genesis_hash, const ldg_ev_bundle_item *items,
                          size_t nitems, const ldg_ev_bundle_anchor *anchors, size_t nanchors);
/* Version 1: a record and what its links reach; version 2: an evidence chain (§6.1). */
void ldg_ev_bundle_encode_v(ldg_enc *e, uint64_t version, const ldg_hash *genesis_hash,
                            const ldg_ev_bundle_item *items, size_t nitems,
                            const ldg_ev_bundle_anchor *anchors, size_t nanchors);

#endif
