/* folio contract: deploy, call, query, attach, result, info, encode.
 *
 *   deploy FILE.bin|FILE.json [--contract NAME] [--gas N] [--args V...]
 *   call ADDRESS SIGNATURE [ARGS...] [--gas N]
 *   query ADDRESS SIGNATURE [ARGS...] [--gas N] [--from WHO]
 *   attach ISIN ADDRESS            (zero address detaches)
 *   result TXID
 *   info ADDRESS
 *   encode SIGNATURE [ARGS...]     (prints the call data, no node needed)
 *
 * SIGNATURE is "name(type,...)" optionally followed by the return types "(type,...)",
 * e.g. "balanceOf(address)(uint256)". Types: uintN, intN, address, bool, string, bytes,
 * bytesN. Addresses are 0x + 40 hex, or a participant name. */
#include "cli.h"
#include "ldg_keccak.h"
#include "ldg_u256.h"
#include "ast_contract.h"
#include "ldg_vm_ledger.h"
#include "net_node.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define CONTRACT_GAS_DEFAULT 3000000
#define ABI_TYPES_MAX 32
#define ABI_TYPE_LEN 16
#define FILE_SIZE_MAX (8u * 1024 * 1024)

/* ---- small buffers ---- */

typedef struct buf {
    uint8_t *b;
    size_t n, cap;
} buf;

static void buf_put(buf *x, const void *d, size_t n)
{
    if (n == 0)
        return;
    if (x->n + n > x->cap) {
        x->cap = (x->n + n) * 2 + 64;
        x->b = realloc(x->b, x->cap);
        if (!x->b)
            abort();
    }
    memcpy(x->b + x->n, d, n);
    x->n += n;
}

static int nib(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex (optional 0x, whitespace ignored at the ends) into out; false if malformed. */
static bool hex_decode(const char *s, size_t len, buf *out)
{
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2, len -= 2;
    if (len % 2)
        return false;
    for (size_t i = 0; i < len; i += 2) {
        int hi = nib(s[i]), lo = nib(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        uint8_t b = (uint8_t)(hi << 4 | lo);
        buf_put(out, &b, 1);
    }
    return true;
}

static void hex_print(FILE *f, const uint8_t *b, size_t n)
{
    fputs("0x", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
}

/* ---- ABI ---- */

typedef struct abi_types {
    char t[ABI_TYPES_MAX][ABI_TYPE_LEN];
    int n;
} abi_types;

/* "a,b,c" (no nesting) -> types; false if malformed or unsupported. */
static bool types_parse(const char *s, size_t len, abi_types *out)
{
    out->n = 0;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != ',')
            j++;
        size_t l = j - i;
        while (l && isspace((unsigned char)s[i]))
            i++, l--;
        while (l && isspace((unsigned char)s[i + l - 1]))
            l--;
        if (l == 0 || l >= ABI_TYPE_LEN || out->n == ABI_TYPES_MAX)
            return false;
        memcpy(out->t[out->n], s + i, l);
        out->t[out->n][l] = '\0';
        const char *t = out->t[out->n];
        bool ok = !strcmp(t, "address") || !strcmp(t, "bool") || !strcmp(t, "string") ||
                  !strcmp(t, "bytes") || !strncmp(t, "uint", 4) || !strncmp(t, "int", 3) ||
                  (!strncmp(t, "bytes", 5) && atoi(t + 5) >= 1 && atoi(t + 5) <= 32);
        if (!ok || strchr(t, '[') || strchr(t, '('))
            return false;
        out->n++;
        i = j + 1;
    }
    return true;
}

typedef struct sig {
    char canon[256]; /* name(type,...) */
    abi_types in, out;
    bool has_out;
} sig;

static bool sig_parse(const char *s, sig *g)
{
    memset(g, 0, sizeof *g);
    const char *open = strchr(s, '('), *close = open ? strchr(open, ')') : NULL;
    if (!open || !close || open == s)
        return false;
    if (!types_parse(open + 1, (size_t)(close - open - 1), &g->in))
        return false;
    size_t o = (size_t)snprintf(g->canon, sizeof g->canon, "%.*s(", (int)(open - s), s);
    for (int i = 0; i < g->in.n && o < sizeof g->canon; i++)
        o += (size_t)snprintf(g->canon + o, sizeof g->canon - o, "%s%s", i ? "," : "", g->in.t[i]);
    if (o + 2 > sizeof g->canon)
        return false;
    strcat(g->canon, ")");
    const char *rest = close + 1;
    while (isspace((unsigned char)*rest))
        rest++;
    if (!strncmp(rest, "returns", 7))
        rest += 7;
    while (isspace((unsigned char)*rest))
        rest++;
    if (*rest) {
        const char *c2 = strchr(rest, ')');
        if (*rest != '(' || !c2 || c2[1] ||
            !types_parse(rest + 1, (size_t)(c2 - rest - 1), &g->out))
            return false;
        g->has_out = true;
    }
    return true;
}

static unsigned type_bits(const char *t, int skip)
{
    int b = t[skip] ? atoi(t + skip) : 256;
    return b >= 8 && b <= 256 && b % 8 == 0 ? (unsigned)b : 0;
}

/* Decimal or 0x-hex into a u256; false if malformed or overflowing. */
static bool u256_parse(const char *s, ldg_u256 *out)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return strlen(s) > 2 && strlen(s) <= 66 && ldg_u256_from_hex(out, s + 2);
    if (!*s)
        return false;
    ldg_u256 v = ldg_u256_zero(), ten = ldg_u256_from_u64(10);
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        ldg_u256 m = ldg_u256_mul(v, ten);
        if (!ldg_u256_eq(ldg_u256_div(m, ten), v))
            return false;
        bool carry;
        v = ldg_u256_add_carry(m, ldg_u256_from_u64((uint64_t)(*p - '0')), &carry);
        if (carry)
            return false;
    }
    *out = v;
    return true;
}

static void u256_decimal(char *out, ldg_u256 v)
{
    char tmp[80];
    int n = 0;
    ldg_u256 ten = ldg_u256_from_u64(10);
    do {
        ldg_u256 q = ldg_u256_div(v, ten);
        ldg_u256 r = ldg_u256_sub(v, ldg_u256_mul(q, ten));
        uint8_t b[32];
        ldg_u256_to_be(b, r);
        tmp[n++] = (char)('0' + b[31]);
        v = q;
    } while (!ldg_u256_is_zero(v));
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

static bool parse_address(cli_ctx *ctx, const char *s, uint8_t out[20])
{
    buf b = {0};
    bool ok = false;
    if (strlen(s) == 42 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        ok = hex_decode(s, strlen(s), &b) && b.n == 20;
        if (ok)
            memcpy(out, b.b, 20);
    } else {
        ldg_account a;
        ok = cli_resolve_account(ctx, s, &a) == CLI_OK;
        if (ok)
            memcpy(out, a.b, 20);
    }
    free(b.b);
    return ok;
}

/* One static word or the tail of a dynamic value. */
static bool encode_value(cli_ctx *ctx, const char *t, const char *v, uint8_t word[32], buf *tail,
                         bool *dynamic)
{
    memset(word, 0, 32);
    *dynamic = false;
    if (!strcmp(t, "address"))
        return parse_address(ctx, v, word + 12);
    if (!strcmp(t, "bool")) {
        if (strcmp(v, "true") && strcmp(v, "false"))
            return false;
        word[31] = !strcmp(v, "true");
        return true;
    }
    if (!strcmp(t, "string") || !strcmp(t, "bytes")) {
        buf data = {0};
        if (!strcmp(t, "string"))
            buf_put(&data, v, strlen(v));
        else if (!hex_decode(v, strlen(v), &data)) {
            free(data.b);
            return false;
        }
        uint8_t len[32] = {0};
        for (int i = 0; i < 8; i++)
            len[31 - i] = (uint8_t)((uint64_t)data.n >> (8 * i));
        buf_put(tail, len, 32);
        if (data.n)
            buf_put(tail, data.b, data.n);
        static const uint8_t zero[32];
        buf_put(tail, zero, (32 - data.n % 32) % 32);
        free(data.b);
        *dynamic = true;
        return true;
    }
    if (!strncmp(t, "bytes", 5)) {
        buf data = {0};
        size_t n = (size_t)atoi(t + 5);
        bool ok = hex_decode(v, strlen(v), &data) && data.n == n;
        if (ok)
            memcpy(word, data.b, n);
        free(data.b);
        return ok;
    }
    bool is_int = !strncmp(t, "int", 3);
    unsigned bits = type_bits(t, is_int ? 3 : 4);
    if (!bits)
        return false;
    bool neg = is_int && v[0] == '-';
    ldg_u256 x;
    if (!u256_parse(neg ? v + 1 : v, &x))
        return false;
    if (bits < 256) {
        ldg_u256 lim = ldg_u256_shl(ldg_u256_from_u64(1), is_int ? bits - 1 : bits);
        if (neg ? ldg_u256_lt(lim, x) : !ldg_u256_lt(x, lim))
            return false;
    } else if (is_int && (neg ? ldg_u256_lt(ldg_u256_shl(ldg_u256_from_u64(1), 255), x)
                              : ldg_u256_is_neg(x))) {
        return false;
    }
    if (neg)
        x = ldg_u256_neg(x);
    ldg_u256_to_be(word, x);
    return true;
}

/* ABI encoding of values (head/tail). Prints the error. */
static bool abi_encode(cli_ctx *ctx, const abi_types *ty, int argc, char **argv, buf *out)
{
    if (argc != ty->n) {
        cli_fail(ctx, "USAGE", "expected %d argument(s), got %d", ty->n, argc);
        return false;
    }
    buf head = {0}, tail = {0};
    uint8_t(*words)[32] = calloc((size_t)ty->n + 1, 32);
    buf *tails = calloc((size_t)ty->n + 1, sizeof *tails);
    bool *dyn = calloc((size_t)ty->n + 1, sizeof *dyn);
    bool ok = true;
    for (int i = 0; i < ty->n && ok; i++) {
        ok = encode_value(ctx, ty->t[i], argv[i], words[i], &tails[i], &dyn[i]);
        if (!ok)
            cli_fail(ctx, "USAGE", "argument %d '%s' is not a valid %s", i + 1, argv[i], ty->t[i]);
    }
    size_t off = 32 * (size_t)ty->n;
    for (int i = 0; ok && i < ty->n; i++) {
        if (dyn[i]) {
            memset(words[i], 0, 32);
            for (int k = 0; k < 8; k++)
                words[i][31 - k] = (uint8_t)((uint64_t)(off + tail.n) >> (8 * k));
            buf_put(&tail, tails[i].b, tails[i].n);
        }
        buf_put(&head, words[i], 32);
    }
    if (ok) {
        if (head.n)
            buf_put(out, head.b, head.n);
        if (tail.n)
            buf_put(out, tail.b, tail.n);
    }
    for (int i = 0; i < ty->n; i++)
        free(tails[i].b);
    free(tails);
    free(words);
    free(dyn);
    free(head.b);
    free(tail.b);
    return ok;
}

static bool word_size(const uint8_t *w, size_t *v)
{
    for (int i = 0; i < 24; i++)
        if (w[i])
            return false;
    uint64_t x = 0;
    for (int i = 24; i < 32; i++)
        x = x << 8 | w[i];
    *v = (size_t)x;
    return x < (1u << 30);
}

/* Decodes return data into a JSON array of strings/bools; NULL if malformed. */
static json_t *abi_decode(const abi_types *ty, const uint8_t *d, size_t n)
{
    json_t *arr = json_array();
    for (int i = 0; i < ty->n; i++) {
        const char *t = ty->t[i];
        if (n < 32 * (size_t)(i + 1))
            goto bad;
        const uint8_t *w = d + 32 * i;
        char s[82];
        if (!strcmp(t, "bool")) {
            json_array_append_new(arr, json_boolean(w[31] != 0));
        } else if (!strcmp(t, "address")) {
            snprintf(s, sizeof s, "0x");
            for (int k = 12; k < 32; k++)
                snprintf(s + 2 + 2 * (k - 12), 3, "%02x", w[k]);
            json_array_append_new(arr, json_string(s));
        } else if (!strcmp(t, "string") || !strcmp(t, "bytes")) {
            size_t off, len;
            if (!word_size(w, &off) || off > n || n - off < 32 || !word_size(d + off, &len) ||
                len > n - off - 32)
                goto bad;
            const uint8_t *p = d + off + 32;
            if (!strcmp(t, "string")) {
                json_t *js = json_stringn((const char *)p, len);
                if (!js) { /* not UTF-8 */
                    char *h = malloc(2 * len + 3);
                    strcpy(h, "0x");
                    for (size_t k = 0; k < len; k++)
                        snprintf(h + 2 + 2 * k, 3, "%02x", p[k]);
                    js = json_string(h);
                    free(h);
                }
                json_array_append_new(arr, js);
            } else {
                char *h = malloc(2 * len + 3);
                strcpy(h, "0x");
                for (size_t k = 0; k < len; k++)
                    snprintf(h + 2 + 2 * k, 3, "%02x", p[k]);
                json_array_append_new(arr, json_string(h));
                free(h);
            }
        } else if (!strncmp(t, "bytes", 5)) {
            size_t len = (size_t)atoi(t + 5);
            snprintf(s, sizeof s, "0x");
            for (size_t k = 0; k < len; k++)
                snprintf(s + 2 + 2 * k, 3, "%02x", w[k]);
            json_array_append_new(arr, json_string(s));
        } else {
            ldg_u256 x = ldg_u256_from_be(w);
            bool neg = !strncmp(t, "int", 3) && ldg_u256_is_neg(x);
            u256_decimal(s + 1, neg ? ldg_u256_neg(x) : x);
            s[0] = '-';
            json_array_append_new(arr, json_string(neg ? s : s + 1));
        }
    }
    return arr;
bad:
    json_decref(arr);
    return NULL;
}

/* ---- deployment files ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(FILE_SIZE_MAX + 1);
    size_t n = b ? fread(b, 1, FILE_SIZE_MAX + 1, f) : 0;
    fclose(f);
    if (!b || n > FILE_SIZE_MAX) {
        free(b);
        return NULL;
    }
    b[n] = '\0';
    *len = n;
    return b;
}

typedef struct artifact {
    char name[128];
    const char *bin; /* borrowed from the JSON */
    json_t *abi;     /* borrowed; may be NULL */
} artifact;

/* Collects contracts with bytecode from combined-json, standard-json or a single
 * {abi, bytecode} artifact. */
static int collect(json_t *root, artifact *out, int max)
{
    int n = 0;
    json_t *contracts = json_object_get(root, "contracts");
    const char *key;
    json_t *v;
    if (!contracts) {
        json_t *bc = json_object_get(root, "bytecode");
        const char *bin = json_is_string(bc) ? json_string_value(bc)
                                             : json_string_value(json_object_get(bc, "object"));
        if (bin && *bin && max > 0) {
            snprintf(out[0].name, sizeof out[0].name, "%s",
                     json_string_value(json_object_get(root, "contractName"))
                         ? json_string_value(json_object_get(root, "contractName"))
                         : "contract");
            out[0].bin = bin;
            out[0].abi = json_object_get(root, "abi");
            n = 1;
        }
        return n;
    }
    json_object_foreach(contracts, key, v)
    {
        json_t *bin = json_object_get(v, "bin");
        if (json_is_string(bin)) { /* combined-json: "path:Name" -> {bin, abi} */
            if (n < max && *json_string_value(bin)) {
                const char *colon = strrchr(key, ':');
                snprintf(out[n].name, sizeof out[n].name, "%s", colon ? colon + 1 : key);
                out[n].bin = json_string_value(bin);
                out[n].abi = json_object_get(v, "abi");
                n++;
            }
            continue;
        }
        const char *name;
        json_t *c;
        json_object_foreach(v, name, c) /* standard-json: path -> Name -> {abi, evm} */
        {
            const char *obj = json_string_value(
                json_object_get(json_object_get(json_object_get(c, "evm"), "bytecode"), "object"));
            if (obj && *obj && n < max) {
                snprintf(out[n].name, sizeof out[n].name, "%s", name);
                out[n].bin = obj;
                out[n].abi = json_object_get(c, "abi");
                n++;
            }
        }
    }
    return n;
}

/* Constructor input types from an ABI (array, or a JSON string of one). */
static bool ctor_types(json_t *abi, abi_types *ty)
{
    json_t *parsed = NULL;
    ty->n = 0;
    if (json_is_string(abi))
        abi = parsed = json_loads(json_string_value(abi), 0, NULL);
    size_t i;
    json_t *e;
    bool ok = true;
    json_array_foreach(abi, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "type")) ?: "", "constructor"))
            continue;
        size_t k;
        json_t *in;
        json_array_foreach(json_object_get(e, "inputs"), k, in)
        {
            const char *t = json_string_value(json_object_get(in, "type"));
            if (!t || ty->n == ABI_TYPES_MAX || !types_parse(t, strlen(t), &(abi_types){0})) {
                ok = false;
                break;
            }
            snprintf(ty->t[ty->n++], ABI_TYPE_LEN, "%s", t);
        }
    }
    json_decref(parsed);
    return ok;
}

/* Loads init code (+ encoded constructor args) from FILE; *code_len (optional) gets the
 * length of the code without the arguments (what the committee approves). Prints errors. */
static int load_deployment(cli_ctx *ctx, const char *path, const char *want, const char *ctor,
                           int nargs, char **args, buf *code, size_t *code_len)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        cli_fail(ctx, "IO", "cannot read %s (missing, unreadable or over %u bytes)", path,
                 FILE_SIZE_MAX);
        return CLI_LOCAL;
    }
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    abi_types ty = {0};
    int rc = CLI_OK;
    if (*p == '{') {
        json_error_t jerr;
        json_t *root = json_loads(text, 0, &jerr);
        artifact arts[64];
        int n = root ? collect(root, arts, 64) : 0;
        int pick = -1;
        for (int i = 0; i < n; i++)
            if (want ? !strcmp(arts[i].name, want) : n == 1)
                pick = i;
        if (!root) {
            cli_fail(ctx, "MALFORMED", "%s: not valid JSON (line %d: %s)", path, jerr.line,
                     jerr.text);
            rc = CLI_USAGE;
        } else if (pick < 0) {
            char names[512] = "";
            size_t used = 0;
            for (int i = 0; i < n; i++) {
                int w = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                 arts[i].name);
                if (w < 0 || (size_t)w >= sizeof names - used) { /* too many: say it is cut */
                    memcpy(names + sizeof names - 4, "...", 4);
                    break;
                }
                used += (size_t)w;
            }
            cli_fail(ctx, "MALFORMED", "%s: %s (contracts with bytecode: %s)", path,
                     n == 0 ? "no contract with bytecode (solc combined-json or standard-json)"
                     : want ? "no such contract"
                            : "several contracts: choose one with --contract NAME",
                     n ? names : "none");
            rc = CLI_USAGE;
        } else if (!hex_decode(arts[pick].bin, strlen(arts[pick].bin), code) || code->n == 0) {
            cli_fail(ctx, "MALFORMED", "%s: the bytecode of %s is not hex (unlinked library?)",
                     path, arts[pick].name);
            rc = CLI_USAGE;
        } else if (!ctor && !ctor_types(arts[pick].abi, &ty)) {
            cli_fail(ctx, "MALFORMED", "%s: constructor has unsupported argument types", path);
            rc = CLI_USAGE;
        }
        json_decref(root);
    } else if (!hex_decode(text, len, code) || code->n == 0) {
        cli_fail(ctx, "MALFORMED", "%s: neither hex bytecode nor solc JSON output", path);
        rc = CLI_USAGE;
    }
    free(text);
    if (code_len)
        *code_len = code->n;
    if (rc == CLI_OK && ctor && !types_parse(ctor, strlen(ctor), &ty)) {
        cli_fail(ctx, "USAGE", "--ctor '%s': bad type list", ctor);
        rc = CLI_USAGE;
    }
    /* nargs < 0: the code alone is wanted (its hash), no constructor arguments. */
    if (rc == CLI_OK && nargs >= 0 && (ty.n || nargs) && !abi_encode(ctx, &ty, nargs, args, code))
        rc = CLI_USAGE;
    return rc;
}

int cli_contract_code_hash(cli_ctx *ctx, const char *path, const char *want, uint8_t out[32])
{
    buf code = {0};
    size_t code_len = 0;
    int rc = load_deployment(ctx, path, want, NULL, -1, NULL, &code, &code_len);
    if (rc == CLI_OK)
        ldg_keccak256(out, code.b, code_len);
    free(code.b);
    return rc;
}

/* ---- subcommands ---- */

static const char *const valued[] = {"--gas", "--contract", "--ctor", "--from", NULL};

/* Splits off "--args V..." (to the end or the next --option). */
static int split_args(int argc, char **argv, char ***rest, int *nrest)
{
    *rest = NULL;
    *nrest = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--args"))
            continue;
        int j = i + 1;
        while (j < argc && strncmp(argv[j], "--", 2))
            j++;
        *rest = argv + i + 1;
        *nrest = j - i - 1;
        for (int k = j; k < argc; k++) /* move the options after the args down */
            argv[i + (k - j)] = argv[k];
        return argc - (j - i);
    }
    return argc;
}

static bool gas_opt(cli_ctx *ctx, int argc, char **argv, uint64_t *gas)
{
    const char *g = cli_opt(argc, argv, "--gas");
    *gas = CONTRACT_GAS_DEFAULT;
    if (g && !cli_parse_u64(g, LDG_VM_TX_GAS_MAX, gas)) {
        cli_fail(ctx, "USAGE", "--gas must be an integer from 0 to %d", LDG_VM_TX_GAS_MAX);
        return false;
    }
    return true;
}

static int print_tx_outcome(cli_ctx *ctx, json_t *tx, bool deploy, const sig *g)
{
    json_t *rc = json_object_get(tx, "receipt");
    const char *data = json_string_value(json_object_get(rc, "data"));
    const char *detail = json_string_value(json_object_get(rc, "detail"));
    if (ctx->json)
        return CLI_OK;
    if (detail && *detail)
        printf("%s\n", detail);
    if (deploy && data && strlen(data) >= 40)
        printf("contract: 0x%.40s\n", data);
    (void)g;
    return CLI_OK;
}

static int cmd_deploy(cli_ctx *ctx, int argc, char **argv)
{
    char **args;
    int nargs;
    argc = split_args(argc, argv, &args, &nargs);
    if (!cli_check_opts(ctx, argc, argv, valued, NULL))
        return CLI_USAGE;
    const char *file = cli_pos(argc, argv, 1, valued);
    uint64_t gas;
    if (!file || cli_pos(argc, argv, 2, valued)) {
        cli_fail(ctx, "USAGE",
                 "usage: folio contract deploy FILE.bin|FILE.json [--contract NAME] "
                 "[--ctor TYPES] [--gas N] [--args V...]");
        return CLI_USAGE;
    }
    if (!gas_opt(ctx, argc, argv, &gas))
        return CLI_USAGE;
    buf code = {0};
    size_t code_len = 0;
    int rc = load_deployment(ctx, file, cli_opt(argc, argv, "--contract"),
                             cli_opt(argc, argv, "--ctor"), nargs, args, &code, &code_len);
    if (rc != CLI_OK) {
        free(code.b);
        return rc;
    }
    /* The constructor arguments' length rides along, so the code hash the gate checks is
     * the code's alone (specs/vm_ledger.md §3). */
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, code.n > code_len ? 3 : 2);
    ldg_enc_bin(&e, code.b, code.n);
    ldg_enc_u64(&e, gas);
    if (code.n > code_len)
        ldg_enc_u64(&e, code.n - code_len);
    free(code.b);
    json_t *tx = NULL;
    rc = cli_submit(ctx, LDG_VM_TX_DEPLOY, &e, "contract deploy", &tx);
    ldg_enc_free(&e);
    if (tx && rc == CLI_OK)
        print_tx_outcome(ctx, tx, true, NULL);
    json_decref(tx);
    return rc;
}

/* ADDRESS SIGNATURE ARGS... -> address and call data. */
static int call_input(cli_ctx *ctx, int argc, char **argv, int first, uint8_t to[20], sig *g,
                      buf *input)
{
    const char *addr = cli_pos(argc, argv, first, valued);
    const char *s = cli_pos(argc, argv, first + 1, valued);
    if (!addr || !s) {
        cli_fail(ctx, "USAGE", "needs ADDRESS SIGNATURE [ARGS...]");
        return CLI_USAGE;
    }
    if (to && !parse_address(ctx, addr, to)) {
        cli_fail(ctx, "USAGE", "'%s' is not an address (0x + 40 hex) or a participant", addr);
        return CLI_USAGE;
    }
    if (!sig_parse(s, g)) {
        cli_fail(ctx, "USAGE",
                 "'%s' is not a signature like 'transfer(address,uint256)' (types: uintN, intN, "
                 "address, bool, string, bytes, bytesN)",
                 s);
        return CLI_USAGE;
    }
    char *vals[ABI_TYPES_MAX + 1];
    int n = 0;
    for (int i = first + 2; cli_pos(argc, argv, i, valued) && n <= ABI_TYPES_MAX; i++)
        vals[n++] = (char *)cli_pos(argc, argv, i, valued);
    uint8_t h[32];
    ldg_keccak256(h, (const uint8_t *)g->canon, strlen(g->canon));
    buf_put(input, h, 4);
    return abi_encode(ctx, &g->in, n, vals, input) ? CLI_OK : CLI_USAGE;
}

static int cmd_call(cli_ctx *ctx, int argc, char **argv)
{
    if (!cli_check_opts(ctx, argc, argv, valued, NULL))
        return CLI_USAGE;
    uint8_t to[20];
    sig g;
    buf in = {0};
    uint64_t gas;
    if (!gas_opt(ctx, argc, argv, &gas))
        return CLI_USAGE;
    int rc = call_input(ctx, argc, argv, 1, to, &g, &in);
    if (rc != CLI_OK) {
        free(in.b);
        return rc;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_bin(&e, to, 20);
    ldg_enc_bin(&e, in.b, in.n);
    ldg_enc_u64(&e, gas);
    free(in.b);
    json_t *tx = NULL;
    rc = cli_submit(ctx, LDG_VM_TX_CALL, &e, "contract call", &tx);
    ldg_enc_free(&e);
    if (tx && rc == CLI_OK)
        print_tx_outcome(ctx, tx, false, &g);
    json_decref(tx);
    return rc;
}

static void print_outcome(cli_ctx *ctx, json_t *j, const sig *g)
{
    const char *out = json_string_value(json_object_get(j, "output"));
    if (g && g->has_out && out &&
        !strcmp(json_string_value(json_object_get(j, "status")) ?: "", "SUCCESS")) {
        buf b = {0};
        if (hex_decode(out, strlen(out), &b)) {
            json_t *vals = abi_decode(&g->out, b.b, b.n);
            if (vals)
                json_object_set_new(j, "decoded", vals);
        }
        free(b.b);
    }
    if (ctx->json) {
        cli_print_json(j);
        return;
    }
    printf("status: %s\n", json_string_value(json_object_get(j, "status")));
    if (json_object_get(j, "reason"))
        printf("reason: %s\n", json_string_value(json_object_get(j, "reason")));
    printf("gas used: %lld\n", (long long)json_integer_value(json_object_get(j, "gas_used")));
    if (json_object_get(j, "contract"))
        printf("contract: %s\n", json_string_value(json_object_get(j, "contract")));
    json_t *dec = json_object_get(j, "decoded");
    if (dec) {
        size_t i;
        json_t *v;
        json_array_foreach(dec, i, v)
        {
            if (json_is_boolean(v))
                printf("%s\n", json_is_true(v) ? "true" : "false");
            else
                printf("%s\n", json_string_value(v));
        }
    } else {
        printf("output: %s\n", out ? out : "0x");
    }
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(j, "logs"), i, l)
    {
        printf("log %zu: %s", i, json_string_value(json_object_get(l, "address")));
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(l, "topics"), k, t) printf(" %s", json_string_value(t));
        printf(" data %s\n", json_string_value(json_object_get(l, "data")));
    }
}

static int cmd_query(cli_ctx *ctx, int argc, char **argv)
{
    if (!cli_check_opts(ctx, argc, argv, valued, NULL))
        return CLI_USAGE;
    uint8_t to[20], from[20] = {0};
    sig g;
    buf in = {0};
    uint64_t gas;
    if (!gas_opt(ctx, argc, argv, &gas))
        return CLI_USAGE;
    int rc = call_input(ctx, argc, argv, 1, to, &g, &in);
    const char *who = cli_opt(argc, argv, "--from");
    if (rc == CLI_OK && who && !parse_address(ctx, who, from)) {
        cli_fail(ctx, "USAGE", "--from '%s' is not an address or a participant", who);
        rc = CLI_USAGE;
    }
    if (rc == CLI_OK)
        rc = cli_connect(ctx);
    if (rc != CLI_OK) {
        free(in.b);
        return rc;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 5);
    ldg_enc_str(&e, "contract_query");
    ldg_enc_bin(&e, from, 20);
    ldg_enc_bin(&e, to, 20);
    ldg_enc_bin(&e, in.b, in.n);
    ldg_enc_u64(&e, gas);
    free(in.b);
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    int code = (int)json_integer_value(json_object_get(j, "code"));
    if (code != 0) {
        const char *reason = json_string_value(json_object_get(j, "reason"));
        cli_fail(ctx, json_string_value(json_object_get(j, "name")),
                 "query failed: %s (code %d): %s%s%s; gas used %lld",
                 json_string_value(json_object_get(j, "name")), code,
                 json_string_value(json_object_get(j, "status")), reason ? ": " : "",
                 reason ? reason : "",
                 (long long)json_integer_value(json_object_get(j, "gas_used")));
        json_decref(j);
        return CLI_REJECTED;
    }
    print_outcome(ctx, j, &g);
    json_decref(j);
    return CLI_OK;
}

static int cmd_attach(cli_ctx *ctx, int argc, char **argv)
{
    if (!cli_check_opts(ctx, argc, argv, NULL, NULL))
        return CLI_USAGE;
    const char *isin = cli_pos(argc, argv, 1, NULL), *addr = cli_pos(argc, argv, 2, NULL);
    uint8_t a[20];
    if (!isin || !addr || cli_pos(argc, argv, 3, NULL) || strlen(isin) > 12) {
        cli_fail(ctx, "USAGE", "usage: folio contract attach ISIN ADDRESS (0x0 detaches)");
        return CLI_USAGE;
    }
    if (!strcmp(addr, "0x0") || !strcmp(addr, "none"))
        memset(a, 0, 20);
    else if (!parse_address(ctx, addr, a)) {
        cli_fail(ctx, "USAGE", "'%s' is not an address", addr);
        return CLI_USAGE;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, isin);
    ldg_enc_bin(&e, a, 20);
    json_t *tx = NULL;
    int rc = cli_submit(ctx, AST_TX_CONTRACT_ATTACH, &e, "contract attach", &tx);
    ldg_enc_free(&e);
    if (tx && rc == CLI_OK)
        print_tx_outcome(ctx, tx, false, NULL);
    json_decref(tx);
    return rc;
}

static int cmd_read(cli_ctx *ctx, int argc, char **argv, const char *method, const char *what)
{
    if (!cli_check_opts(ctx, argc, argv, valued, NULL))
        return CLI_USAGE;
    const char *arg = cli_pos(argc, argv, 1, valued);
    if (!arg || cli_pos(argc, argv, 2, valued)) {
        cli_fail(ctx, "USAGE", "usage: folio contract %s %s", argv[1], what);
        return CLI_USAGE;
    }
    int rc;
    json_t *j = cli_query(ctx, method, arg, &rc);
    if (!j)
        return rc;
    if (!strcmp(method, "contract_info")) {
        if (ctx->json)
            cli_print_json(j);
        else
            printf("address: %s\nnonce: %lld\ncode size: %lld\ncode hash: %s\n",
                   json_string_value(json_object_get(j, "address")),
                   (long long)json_integer_value(json_object_get(j, "nonce")),
                   (long long)json_integer_value(json_object_get(j, "code_size")),
                   json_string_value(json_object_get(j, "code_hash")));
    } else {
        print_outcome(ctx, j, NULL);
    }
    json_decref(j);
    return CLI_OK;
}

static int cmd_encode(cli_ctx *ctx, int argc, char **argv)
{
    sig g;
    buf in = {0};
    /* no address: shift so that the signature is the first positional */
    int rc = call_input(ctx, argc, argv, 0, NULL, &g, &in);
    if (rc == CLI_OK) {
        hex_print(stdout, in.b, in.n);
        printf("\n");
    }
    free(in.b);
    return rc;
}

/* ---- exec: the ledger host on an in-memory state, for differential tests ---- */

static json_t *hexj(const uint8_t *b, size_t n)
{
    char *h = malloc(2 * n + 3);
    if (!h)
        abort();
    strcpy(h, "0x");
    for (size_t i = 0; i < n; i++)
        snprintf(h + 2 + 2 * i, 3, "%02x", b[i]);
    json_t *j = json_string(h);
    free(h);
    return j;
}

static json_t *exec_outcome_json(const ldg_vm_outcome *o)
{
    json_t *logs = json_array();
    for (size_t i = 0; i < o->log_count; i++) {
        json_t *topics = json_array();
        for (size_t t = 0; t < o->logs[i].topics_count; t++)
            json_array_append_new(topics, hexj(o->logs[i].topics[t].bytes, 32));
        json_array_append_new(logs, json_pack("{s:o,s:o,s:o}", "address",
                                              hexj(o->logs[i].addr.bytes, 20), "topics", topics,
                                              "data", hexj(o->logs[i].data, o->logs[i].data_size)));
    }
    return json_pack("{s:s,s:I,s:I,s:o,s:o}", "status", ldg_evm_status_name(o->status), "gas_spent",
                     (json_int_t)o->gas_spent, "gas_refund", (json_int_t)o->gas_refund, "output",
                     hexj(o->output, o->output_size), "logs", logs);
}

static void dump_slot(void *arg, const uint8_t slot[32], const uint8_t value[32])
{
    json_t *st = arg;
    json_t *k = hexj(slot, 32);
    json_object_set_new(st, json_string_value(k), hexj(value, 32));
    json_decref(k);
}

/* exec FILE.json: {"caller": hex20, "init": hex, "gas": n, "calls": [{"input": hex,
 * "gas": n}]} -> the creation, each call and the contract's storage afterwards. */
static int cmd_exec(cli_ctx *ctx, int argc, char **argv)
{
    const char *file = cli_pos(argc, argv, 1, NULL);
    json_error_t jerr;
    json_t *in = file ? json_load_file(file, 0, &jerr) : NULL;
    buf caller = {0}, init = {0};
    const char *ch = json_string_value(json_object_get(in, "caller"));
    const char *ih = json_string_value(json_object_get(in, "init"));
    if (!in || !ch || !ih || !hex_decode(ch, strlen(ch), &caller) || caller.n != 20 ||
        !hex_decode(ih, strlen(ih), &init)) {
        cli_fail(ctx, "USAGE", "usage: folio contract exec FILE.json ({caller, init, gas, calls})");
        json_decref(in);
        free(caller.b);
        free(init.b);
        return CLI_USAGE;
    }
    ldg_registry *reg = net_registry_new();
    ldg_memkv *kv = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(kv));
    ldg_env env = {.chain_id = "folio-exec", .height = 1, .time_ms = 1000};
    ldg_account from;
    memcpy(from.b, caller.b, 20);
    ldg_vm_outcome o;
    json_int_t gas = json_integer_value(json_object_get(in, "gas"));
    int rc = CLI_OK;
    json_t *out = json_object(), *calls = json_array();
    if (ldg_vm_create(reg, st, &env, &from, init.b, init.n, gas ? gas : 10000000, &o) != LDG_OK) {
        rc = CLI_UNAVAILABLE;
    } else {
        json_t *cj = exec_outcome_json(&o);
        ldg_evm_address addr = o.create_address;
        if (o.created)
            json_object_set_new(cj, "address", hexj(addr.bytes, 20));
        json_object_set_new(out, "create", cj);
        bool created = o.created;
        ldg_vm_outcome_free(&o);
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(in, "calls"), i, c)
        {
            buf input = {0};
            const char *h = json_string_value(json_object_get(c, "input"));
            json_int_t g = json_integer_value(json_object_get(c, "gas"));
            if (!created || !h || !hex_decode(h, strlen(h), &input) ||
                ldg_vm_call(reg, st, &env, &from, &addr, input.b, input.n, g ? g : 1000000, &o) !=
                    LDG_OK) {
                free(input.b);
                rc = CLI_USAGE;
                break;
            }
            json_array_append_new(calls, exec_outcome_json(&o));
            ldg_vm_outcome_free(&o);
            free(input.b);
        }
        json_t *storage = json_object();
        if (created && ldg_vm_storage_dump(st, &addr, dump_slot, storage) != LDG_OK)
            rc = CLI_UNAVAILABLE;
        json_object_set_new(out, "storage", storage);
    }
    json_object_set_new(out, "calls", calls);
    if (rc == CLI_OK)
        cli_print_json(out);
    else
        cli_fail(ctx, "EXEC", "exec failed");
    json_decref(out);
    ldg_state_free(st);
    ldg_memkv_free(kv);
    ldg_registry_free(reg);
    json_decref(in);
    free(caller.b);
    free(init.b);
    return rc;
}

static void usage(void)
{
    printf(
        "usage: folio contract COMMAND ...\n\n"
        "  deploy FILE.bin|FILE.json [--contract NAME] [--ctor TYPES] [--gas N] [--args V...]\n"
        "      deploy raw hex init code or a contract of solc --combined-json / standard-json\n"
        "      output; constructor arguments are ABI-encoded from the ABI (or --ctor)\n"
        "  call ADDRESS SIGNATURE [ARGS...] [--gas N]   a contract call transaction\n"
        "  query ADDRESS SIGNATURE [ARGS...] [--gas N] [--from WHO]\n"
        "      read-only call on the committed state; SIGNATURE may end with return types,\n"
        "      e.g. 'balanceOf(address)(uint256)'\n"
        "  attach ISIN ADDRESS      the instrument's compliance contract (issuer; 0x0 detaches)\n"
        "  result TXID              return data, gas and logs of a contract transaction\n"
        "  info ADDRESS             nonce, code size and hash of an account\n"
        "  encode SIGNATURE [ARGS...]   prints the ABI call data\n"
        "  exec FILE.json           test tool: {caller, init, gas, calls: [{input, gas}]} run\n"
        "                           through the ledger host on an empty in-memory state\n\n"
        "Gas defaults to %d, at most %d. The native-instrument precompile is at\n"
        "0x0000000000000000000000000000000000000100 (specs/vm_ledger.md).\n",
        CONTRACT_GAS_DEFAULT, LDG_VM_TX_GAS_MAX);
}

int cli_contract_main(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || (argc == 2 && cli_wants_help(argc, argv))) {
        usage();
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *cmd = argv[1];
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_OK;
    }
    if (!strcmp(cmd, "deploy"))
        return cmd_deploy(ctx, argc, argv);
    if (!strcmp(cmd, "call"))
        return cmd_call(ctx, argc, argv);
    if (!strcmp(cmd, "query"))
        return cmd_query(ctx, argc, argv);
    if (!strcmp(cmd, "attach"))
        return cmd_attach(ctx, argc, argv);
    if (!strcmp(cmd, "result"))
        return cmd_read(ctx, argc, argv, "contract_result", "TXID");
    if (!strcmp(cmd, "info"))
        return cmd_read(ctx, argc, argv, "contract_info", "ADDRESS");
    if (!strcmp(cmd, "encode"))
        return cmd_encode(ctx, argc, argv);
    if (!strcmp(cmd, "exec"))
        return cmd_exec(ctx, argc, argv);
    cli_fail(ctx, "USAGE", "unknown command 'contract %s' (see folio contract --help)", cmd);
    return CLI_USAGE;
}
