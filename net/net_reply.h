/* Building the JSON of an RPC reply (specs/rpc.md "Replies"). jansson refuses text that is not
 * UTF-8 (it returns NULL), so every string that may come from outside goes through
 * net_json_text, and a reply that still cannot be built becomes an error reply: a method
 * never returns NULL and never asserts on what it was given or what the store holds. */
#ifndef NET_REPLY_H
#define NET_REPLY_H

#include "ldg_err.h"
#include "ldg_limits.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <stddef.h>

/* An error reply {"error": NAME, "message": text}; sets *status = err. The formatted message
 * may echo client text: bytes that are not UTF-8 (or a sequence cut by the message's 512-byte
 * bound) are replaced by U+FFFD. Returns malloc'd JSON, never NULL. */
char *net_reply_error(int *status, ldg_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Dumps j (consumed; NULL allowed) with jansson `flags`. If j is NULL (a json_pack that met
 * bad text) or cannot be dumped, returns the error reply TEXT instead and sets *status.
 * Returns malloc'd JSON, never NULL. */
char *net_reply_dump(json_t *j, size_t flags, int *status);

/* A JSON string of s[0..n) (NUL bytes allowed), never NULL: bytes that are not UTF-8 are
 * replaced by U+FFFD. */
json_t *net_json_text(const char *s, size_t n);

/* A money figure as every reply carries it (specs/money.md): {"currency": code, "minor":
 * exact integer of minor units, "scale": the currency's decimals, "decimal": the same amount
 * as exact decimal text ("1250.50")}. Never NULL. An unknown currency keeps scale 0. */
json_t *net_json_money(int64_t minor, const char *currency);

/* Copies s[0..n) into out (out_len > 0) as UTF-8, NUL-terminated, replacing each byte that
 * does not start a valid RFC 3629 sequence by U+FFFD and stopping before a character that
 * would not fit. Returns the length written. */
size_t net_utf8_sanitize(char *out, size_t out_len, const char *s, size_t n);

/* ---- paging (specs/rpc.md "Paging") ----
 *
 * A list method takes its own arguments, then optionally AFTER (nil, or the text cursor a
 * previous page gave as "next") and LIMIT (1..LDG_QUERY_PAGE_MAX; 0 or absent: the maximum).
 * Rows are in the order of their sort key; the cursor is the sort key of the last row shown,
 * so following it visits every row once even while blocks commit. */
typedef struct net_page {
    uint8_t after[LDG_QUERY_CURSOR_MAX]; /* the sort key to start after (method's encoding) */
    size_t after_len;
    bool has_after;
    uint64_t limit;
    uint64_t rows; /* rows taken so far */
    bool more;     /* a row beyond the page exists */
    uint8_t last[LDG_QUERY_CURSOR_MAX];
    size_t last_len;
} net_page;

/* Reads AFTER and LIMIT from args[fixed..nargs) into p (the cursor's text is left in
 * after_text, NUL-terminated, for the method to turn into its key). False if they are not
 * nil/text and an integer in range, or if more arguments follow. */
bool net_page_args(net_page *p, char after_text[LDG_QUERY_CURSOR_MAX + 1],
                   const msgpack_object *args, uint32_t nargs, uint32_t fixed);
/* For a scan callback: false if the row's sort key (its store key after the prefix) is at or
 * before the cursor, so the row is skipped without decoding. */
bool net_page_after(const net_page *p, const uint8_t *key, size_t len);
/* The row with this sort key matches: true if it goes into the page (its key becomes the
 * last), false if the page is full (more is then set: the scan should stop). */
bool net_page_take(net_page *p, const uint8_t *key, size_t len);
/* Sets "next" on reply j: the text cursor given when more rows follow, else null (every list
 * reply has "next", specs/rpc.md §2.2). */
void net_page_finish(const net_page *p, json_t *j, const char *next);
/* A u64 id cursor: decimal text <-> 8 bytes big-endian (the store's key order). */
bool net_page_u64_key(net_page *p, const char *text);
void net_page_u64_text(const net_page *p, char out[21]);

/* ---- conventions of every reply (specs/rpc.md §2.2) ---- */

/* Sets `name` (ISO 8601 UTC with milliseconds, "2026-12-07T07:02:03.123Z", or null if the
 * year is outside 0..9999) and `name`_ms (the integer) on j: "time" gives time + time_ms. */
void net_json_time(json_t *j, const char *name, uint64_t ms);
/* The UTC date "YYYY-MM-DD" of ms since the epoch into out; false (out "") if the year is
 * outside 0..9999. */
bool net_utc_date(char out[11], uint64_t ms);

#endif
