#include "net_reply.h"
#include "ldg_assert.h"
#include "ldg_codec.h"
#include "ast_money.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if none starts there. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
    return len <= n && ldg_utf8_valid(s, len) ? len : 0;
}

size_t net_utf8_sanitize(char *out, size_t out_len, const char *s, size_t n)
{
    static const char fffd[] = "\xef\xbf\xbd";
    const uint8_t *p = (const uint8_t *)s;
    size_t o = 0;
    LDG_ASSERT(out_len > 0);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(p + i, n - i);
        const char *src = len ? s + i : fffd;
        size_t w = len ? len : 3;
        if (w >= out_len - o)
            break;
        memcpy(out + o, src, w);
        o += w;
        i += len ? len : 1;
    }
    out[o] = '\0';
    return o;
}

json_t *net_json_text(const char *s, size_t n)
{
    json_t *j = json_stringn(n ? s : "", n);
    if (j)
        return j;
    size_t cap = 3 * n + 1; /* each bad byte becomes 3 */
    char *clean = malloc(cap);
    LDG_ASSERT(clean);
    size_t len = net_utf8_sanitize(clean, cap, s, n);
    j = json_stringn(clean, len);
    free(clean);
    return j ? j : json_string("");
}

/* The reply of last resort: a constant, so it needs nothing that could fail but strdup. */
static char *fixed(int *status, ldg_err err, const char *json)
{
    *status = (int)err;
    char *s = strdup(json);
    LDG_ASSERT(s);
    return s;
}

char *net_reply_error(int *status, ldg_err err, const char *fmt, ...)
{
    char raw[512], msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof raw ? (size_t)n : sizeof raw - 1;
    net_utf8_sanitize(msg, sizeof msg, raw, len);
    *status = (int)err;
    json_t *j = json_pack("{s:s,s:s}", "error", ldg_err_name(err), "message", msg);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s ? s : fixed(status, err, "{\"error\":\"NOMEM\",\"message\":\"out of memory\"}");
}

char *net_reply_dump(json_t *j, size_t flags, int *status)
{
    char *s = j ? json_dumps(j, flags) : NULL;
    json_decref(j);
    if (s)
        return s;
    return net_reply_error(status, LDG_ERR_TEXT,
                           "the reply could not be built: a stored string is not UTF-8");
}

bool net_page_args(net_page *p, char after_text[LDG_QUERY_CURSOR_MAX + 1],
                   const msgpack_object *args, uint32_t nargs, uint32_t fixed)
{
    memset(p, 0, sizeof *p);
    after_text[0] = '\0';
    p->limit = LDG_QUERY_PAGE_MAX;
    if (nargs > fixed + 2)
        return false;
    if (nargs > fixed && args[fixed].type != MSGPACK_OBJECT_NIL) {
        if (!ldg_obj_str(&args[fixed], after_text, LDG_QUERY_CURSOR_MAX, false))
            return false;
        p->has_after = true;
    }
    if (nargs > fixed + 1 &&
        (!ldg_obj_u64(&args[fixed + 1], &p->limit) || p->limit > LDG_QUERY_PAGE_MAX))
        return false;
    if (p->limit == 0)
        p->limit = LDG_QUERY_PAGE_MAX;
    return true;
}

/* Byte order of the store's keys: memcmp, a proper prefix first. */
static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : al < bl ? -1 : al > bl;
}

bool net_page_after(const net_page *p, const uint8_t *key, size_t len)
{
    return !p->has_after || key_cmp(key, len, p->after, p->after_len) > 0;
}

bool net_page_take(net_page *p, const uint8_t *key, size_t len)
{
    if (p->rows == p->limit) {
        p->more = true;
        return false;
    }
    p->rows++;
    p->last_len = len < sizeof p->last ? len : sizeof p->last;
    memcpy(p->last, key, p->last_len);
    return true;
}

void net_page_finish(const net_page *p, json_t *j, const char *next)
{
    if (j)
        json_object_set_new(j, "next", p->more ? net_json_text(next, strlen(next)) : json_null());
}

/* Days since 1970-01-01 -> civil date (H. Hinnant's algorithm, proleptic Gregorian). */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

bool net_utc_date(char out[11], uint64_t ms)
{
    int64_t y;
    unsigned m, d;
    civil((int64_t)(ms / 86400000ULL), &y, &m, &d);
    if (y > 9999) {
        out[0] = 0;
        return false;
    }
    char buf[64]; /* y <= 9999, m <= 12, d <= 31: always 10 characters */
    snprintf(buf, sizeof buf, "%04lld-%02u-%02u", (long long)y, m, d);
    memcpy(out, buf, 11);
    return true;
}

void net_json_time(json_t *j, const char *name, uint64_t ms)
{
    char key[64], iso[32];
    snprintf(key, sizeof key, "%s_ms", name);
    json_object_set_new(j, key, json_integer((json_int_t)(ms > INT64_MAX ? INT64_MAX : ms)));
    if (ms > INT64_MAX || !net_utc_date(iso, ms)) {
        json_object_set_new(j, name, json_null());
        return;
    }
    uint64_t in_day = ms % 86400000ULL;
    snprintf(iso + 10, sizeof iso - 10, "T%02u:%02u:%02u.%03uZ", (unsigned)(in_day / 3600000),
             (unsigned)(in_day / 60000 % 60), (unsigned)(in_day / 1000 % 60),
             (unsigned)(in_day % 1000));
    json_object_set_new(j, name, json_string(iso));
}

bool net_page_u64_key(net_page *p, const char *text)
{
    uint64_t v = 0;
    if (!*text || strlen(text) > 20)
        return false;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9' || __builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(*c - '0'), &v))
            return false;
    }
    for (int i = 0; i < 8; i++)
        p->after[i] = (uint8_t)(v >> (56 - 8 * i));
    p->after_len = 8;
    return true;
}

void net_page_u64_text(const net_page *p, char out[21])
{
    uint64_t v = 0;
    for (size_t i = 0; i < p->last_len && i < 8; i++)
        v = v << 8 | p->last[i];
    snprintf(out, 21, "%llu", (unsigned long long)v);
}

json_t *net_json_money(int64_t minor, const char *currency)
{
    unsigned scale = 0;
    char dec[AST_MONEY_TEXT_LEN];
    if (!currency || !ast_money_currency_scale(currency, &scale))
        scale = 0;
    ast_money_format(dec, sizeof dec, minor, scale, false);
    json_t *j = json_pack("{s:o,s:I,s:I,s:s}", "currency",
                          net_json_text(currency ? currency : "", currency ? strlen(currency) : 0),
                          "minor", (json_int_t)minor, "scale", (json_int_t)scale, "decimal", dec);
    return j ? j : json_object();
}
