/* Checks a command line against the command table (cli_cmds.c) and generates the help from
 * it. A line the table does not describe is refused before any command code runs: unknown
 * verbs and options, too many or too few arguments, a missing option value, an option given
 * twice, --dry-run on a command that does not write. */
#include "cli_cmds.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Lines of the generated help are wrapped to this width. */
#define HELP_WIDTH 80

/* ---- did you mean ---- */

size_t cli_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > CLI_SUGGEST_LEN_MAX || m > CLI_SUGGEST_LEN_MAX)
        return SIZE_MAX;
    /* three rows of the optimal-string-alignment matrix: i-2, i-1, i */
    size_t r[3][CLI_SUGGEST_LEN_MAX + 1];
    for (size_t j = 0; j <= m; j++)
        r[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t *cur = r[i % 3], *prev = r[(i + 2) % 3], *pp = r[(i + 1) % 3];
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t cost = ca != cb;
            size_t d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (prev[j - 1] + cost < d)
                d = prev[j - 1] + cost;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && pp[j - 2] + 1 < d)
                d = pp[j - 2] + 1;
            cur[j] = d;
        }
    }
    return n == 0 ? m : r[n % 3][m];
}

const char *cli_suggest(const char *word, const char *const *cands, size_t n)
{
    size_t len = strlen(word);
    /* a typo is at most one edit in a short word, two in a medium one, three in a long one */
    size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = cli_edit_distance(word, cands[i]);
        if (d <= limit && d < best_d && d < strlen(cands[i])) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

/* " (did you mean 'x'?)" or "" */
static const char *mean(char *buf, size_t len, const char *s)
{
    if (!s)
        return "";
    snprintf(buf, len, " (did you mean '%s'?)", s);
    return buf;
}

/* ---- the table ---- */

const cli_noun *cli_cmds_noun(const char *name)
{
    for (size_t i = 0; i < cli_nouns_n; i++)
        if (!strcmp(cli_nouns[i].name, name))
            return &cli_nouns[i];
    return NULL;
}

/* The w-th word of a verb (0-based) into buf; false if the verb has fewer words. */
static bool verb_word(const char *verb, size_t w, char *buf, size_t len)
{
    const char *p = verb;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!*p)
            return false;
        size_t n = strcspn(p, " ");
        if (w-- == 0) {
            snprintf(buf, len, "%.*s", (int)n, p);
            return true;
        }
        p += n;
    }
}

/* How many leading words of c's verb equal argv[1..]. */
static size_t words_matched(const cli_cmd *c, int argc, char **argv)
{
    char w[64];
    size_t k = 0;
    while ((int)k + 1 < argc && verb_word(c->verb, k, w, sizeof w) && !strcmp(w, argv[k + 1]))
        k++;
    return k;
}

static size_t verb_len(const cli_cmd *c)
{
    char w[64];
    size_t k = 0;
    while (verb_word(c->verb, k, w, sizeof w))
        k++;
    return k;
}

/* The command argv names (its whole verb matched, the longest one); *depth receives the
 * number of leading words that matched some command of the noun. */
static const cli_cmd *find_cmd(const char *noun, int argc, char **argv, size_t *depth)
{
    const cli_cmd *best = NULL, *bare = NULL;
    size_t best_k = 0;
    *depth = 0;
    for (size_t i = 0; i < cli_cmds_n; i++) {
        const cli_cmd *c = &cli_cmds[i];
        if (strcmp(c->noun, noun) != 0)
            continue;
        if (!*c->verb) {
            bare = c;
            continue;
        }
        size_t k = words_matched(c, argc, argv), n = verb_len(c);
        if (k > *depth)
            *depth = k;
        if (k == n && (!best || k > best_k)) {
            best = c;
            best_k = k;
        }
    }
    return best ? best : bare;
}

/* ---- usage lines and help ---- */

static void opt_token(char *buf, size_t len, const cli_optdef *o)
{
    const char *open = o->required ? "" : "[", *close = o->required ? "" : "]";
    if (o->arg)
        snprintf(buf, len, "%s%s %s%s", open, o->name, o->arg, close);
    else
        snprintf(buf, len, "%s%s%s", open, o->name, close);
}

void cli_cmds_usage_line(char *buf, size_t len, const cli_cmd *c)
{
    size_t n = (size_t)snprintf(buf, len, "folio %s%s%s%s%s", c->noun, *c->verb ? " " : "", c->verb,
                                *c->args ? " " : "", c->args);
    for (const cli_optdef *o = c->opts; o && o->name && n < len; o++) {
        char t[160];
        opt_token(t, sizeof t, o);
        n += (size_t)snprintf(buf + n, len - n, " %s", t);
    }
}

/* The usage line, wrapped under the command's first argument. */
static void usage_wrapped(FILE *out, const char *lead, const cli_cmd *c)
{
    int col = fprintf(out, "%sfolio %s%s%s", lead, c->noun, *c->verb ? " " : "", c->verb);
    int indent = col + 1;
    if (*c->args)
        col += fprintf(out, " %s", c->args);
    for (const cli_optdef *o = c->opts; o && o->name; o++) {
        char t[160];
        opt_token(t, sizeof t, o);
        if (col + 1 + (int)strlen(t) > HELP_WIDTH && col > indent) {
            fprintf(out, "\n%*s", indent - 1, "");
            col = indent - 1;
        }
        col += fprintf(out, " %s", t);
    }
    fputc('\n', out);
}

/* Text wrapped to HELP_WIDTH, continuing at column col (what is already printed on the
 * line), continuation lines indented by indent. */
static void wrap(FILE *out, int col, int indent, const char *text)
{
    const char *p = text;
    bool fresh = true; /* no separator before the first word of a line */
    while (*p) {
        size_t n = strcspn(p, " \n");
        if (!fresh && col > indent && col + 1 + (int)n > HELP_WIDTH) {
            fputc('\n', out);
            col = 0;
        }
        if (col == 0)
            col = fprintf(out, "%*s", indent, "");
        else if (!fresh)
            col += fprintf(out, " ");
        fresh = false;
        col += fprintf(out, "%.*s", (int)n, p);
        p += n;
        if (*p == '\n') {
            fputc('\n', out);
            col = 0;
            fresh = true;
        }
        if (*p)
            p++;
    }
    if (col)
        fputc('\n', out);
}

static void wrapped(FILE *out, int indent, const char *text)
{
    wrap(out, 0, indent, text);
}

static void globals_and_exits(FILE *out)
{
    fprintf(out, "Global options (anywhere on the line):\n");
    for (size_t i = 0; i < cli_globals_n; i++)
        fprintf(out, "  %-12s %s\n", cli_globals[i].name, cli_globals[i].help);
    fprintf(out, "\nExit codes:\n");
    for (size_t i = 0; i < cli_exits_n; i++) {
        wrap(out, fprintf(out, "  %d  ", cli_exits[i].code), 5, cli_exits[i].text);
    }
}

/* A command where a person types money: an AMOUNT or a price, or a QUANTITY that is money
 * when the instrument is cash. */
static bool takes_money(const cli_cmd *c)
{
    if (strstr(c->args, "QUANTITY"))
        return true;
    for (const cli_optdef *o = c->opts; o && o->name; o++)
        if (!strcmp(o->name, "--price") || !strcmp(o->name, "--pay") ||
            (o->arg && (strstr(o->arg, "AMOUNT") || strstr(o->arg, "QUANTITY"))))
            return true;
    return false;
}

static void money_rule(FILE *out)
{
    fprintf(out, "\nMoney and quantities (specs/money.md):\n");
    wrapped(out, 2, cli_money_rule);
}

void cli_cmds_help(FILE *out, const cli_cmd *c)
{
    usage_wrapped(out, "usage: ", c);
    fputc('\n', out);
    wrapped(out, 0, c->summary);
    if (c->opts && c->opts->name) {
        fprintf(out, "\nOptions:\n");
        int w = 0;
        for (const cli_optdef *o = c->opts; o->name; o++) {
            int l = (int)strlen(o->name) + (o->arg ? 1 + (int)strlen(o->arg) : 0);
            if (l > w && l <= 28)
                w = l;
        }
        for (const cli_optdef *o = c->opts; o->name; o++) {
            char t[160];
            snprintf(t, sizeof t, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
            if ((int)strlen(t) > w) {
                fprintf(out, "  %s\n", t);
                wrapped(out, w + 4, o->help);
            } else {
                wrap(out, fprintf(out, "  %-*s  ", w, t), w + 4, o->help);
            }
        }
    }
    if (c->writes)
        fprintf(out, "\nWrites to the ledger: signs with --as KEY (default operator); --dry-run\n"
                     "checks the transaction without submitting it.\n");
    const cli_noun *n = cli_cmds_noun(c->noun);
    if (n && n->about)
        fprintf(out, "\n%s\n", n->about);
    if (takes_money(c))
        money_rule(out);
    fputc('\n', out);
    globals_and_exits(out);
}

/* Help for every command whose verb starts with argv[1..depth]. */
static void help_prefix(FILE *out, const char *noun, int argc, char **argv, size_t depth)
{
    const cli_cmd *only = NULL;
    size_t count = 0;
    for (size_t i = 0; i < cli_cmds_n; i++)
        if (!strcmp(cli_cmds[i].noun, noun) && words_matched(&cli_cmds[i], argc, argv) >= depth) {
            only = &cli_cmds[i];
            count++;
        }
    if (count == 1) {
        cli_cmds_help(out, only);
        return;
    }
    const char *lead = "usage: ";
    for (size_t i = 0; i < cli_cmds_n; i++) {
        const cli_cmd *c = &cli_cmds[i];
        if (strcmp(c->noun, noun) != 0 || words_matched(c, argc, argv) < depth)
            continue;
        usage_wrapped(out, lead, c);
        lead = "       ";
    }
    fputc('\n', out);
    for (size_t i = 0; i < cli_cmds_n; i++) {
        const cli_cmd *c = &cli_cmds[i];
        if (strcmp(c->noun, noun) != 0 || words_matched(c, argc, argv) < depth)
            continue;
        char head[64];
        snprintf(head, sizeof head, "%s%s", *c->verb ? c->verb : noun, c->writes ? " *" : "");
        int col = fprintf(out, "  %-20s", head);
        if (strlen(head) > 20) {
            fputc('\n', out);
            col = 0;
        }
        wrap(out, col, 22, c->summary);
    }
    fprintf(out, "\n(* writes to the ledger; takes --dry-run)\n");
    const cli_noun *n = cli_cmds_noun(noun);
    if (n && n->about)
        fprintf(out, "\n%s\n", n->about);
    bool money = false;
    for (size_t i = 0; i < cli_cmds_n; i++)
        money |= !strcmp(cli_cmds[i].noun, noun) &&
                 words_matched(&cli_cmds[i], argc, argv) >= depth && takes_money(&cli_cmds[i]);
    if (money)
        money_rule(out);
    fprintf(out,
            "\nEach verb's options: folio %s VERB --help. Global options and exit codes: "
            "folio --help.\n",
            noun);
}

void cli_cmds_usage(FILE *out)
{
    fprintf(out, "usage: folio NOUN VERB [ARGS] [--home DIR] [--as KEY] [--json] [--dry-run]\n"
                 "       folio --version\n\n");
    for (size_t i = 0; i < cli_nouns_n; i++)
        fprintf(out, "  %-12s %s\n", cli_nouns[i].name, cli_nouns[i].summary);
    fputc('\n', out);
    globals_and_exits(out);
    money_rule(out);
    fprintf(out, "\nEvery noun and verb takes --help.\n");
}

/* ---- checking a line ---- */

static bool is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

/* The verbs (word `depth` of the commands whose first depth words match argv) into names. */
static size_t next_words(const char *noun, int argc, char **argv, size_t depth, char names[][64],
                         size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < cli_cmds_n && n < max; i++) {
        const cli_cmd *c = &cli_cmds[i];
        char w[64];
        if (strcmp(c->noun, noun) != 0 || words_matched(c, argc, argv) < depth ||
            !verb_word(c->verb, depth, w, sizeof w))
            continue;
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup |= !strcmp(names[k], w);
        if (!dup)
            memcpy(names[n++], w, sizeof w);
    }
    return n;
}

#define VERBS_MAX 64

static int bad_verb(cli_ctx *ctx, const char *noun, int argc, char **argv, size_t depth)
{
    char names[VERBS_MAX][64];
    const char *ptrs[VERBS_MAX];
    size_t n = next_words(noun, argc, argv, depth, names, VERBS_MAX);
    char list[1024] = "", prefix[256] = "";
    size_t l = 0;
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = names[i];
        l += (size_t)snprintf(list + l, l < sizeof list ? sizeof list - l : 0, "%s%s",
                              i ? ", " : "", names[i]);
        if (l >= sizeof list)
            l = sizeof list - 1;
    }
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s", noun);
    for (size_t i = 1; i <= depth && pl < sizeof prefix; i++)
        pl += (size_t)snprintf(prefix + pl, sizeof prefix - pl, " %s", argv[i]);
    const char *word = (int)depth + 1 < argc ? argv[depth + 1] : NULL;
    if (!word || (word[0] == '-' && word[1] != 0 && !isdigit((unsigned char)word[1]))) {
        cli_fail(ctx, "USAGE", "'folio %s' needs a verb: %s (see folio %s --help)", prefix, list,
                 prefix);
        return CLI_USAGE;
    }
    char dym[128];
    cli_fail(ctx, "USAGE", "unknown verb '%s %s'%s; 'folio %s' takes: %s", prefix, word,
             mean(dym, sizeof dym, cli_suggest(word, ptrs, n)), prefix, list);
    return CLI_USAGE;
}

static int bad_option(cli_ctx *ctx, const cli_cmd *c, const char *arg, size_t n)
{
    const char *names[64];
    size_t k = 0;
    char list[512] = "";
    size_t l = 0;
    for (const cli_optdef *o = c->opts; o && o->name && k < 64; o++) {
        names[k++] = o->name;
        l += (size_t)snprintf(list + l, l < sizeof list ? sizeof list - l : 0, "%s%s",
                              l ? ", " : "", o->name);
        if (l >= sizeof list)
            l = sizeof list - 1;
    }
    char word[CLI_SUGGEST_LEN_MAX + 1] = "";
    if (n <= CLI_SUGGEST_LEN_MAX)
        snprintf(word, sizeof word, "%.*s", (int)n, arg);
    char dym[128];
    const char *s = n <= CLI_SUGGEST_LEN_MAX ? cli_suggest(word, names, k) : NULL;
    if (k)
        cli_fail(ctx, "USAGE", "unknown option '%.*s' for 'folio %s%s%s'%s; it takes: %s",
                 (int)(n > 200 ? 200 : n), arg, c->noun, *c->verb ? " " : "", c->verb,
                 mean(dym, sizeof dym, s), list);
    else
        cli_fail(ctx, "USAGE", "unknown option '%.*s' for 'folio %s%s%s'; it takes no options",
                 (int)(n > 200 ? 200 : n), arg, c->noun, *c->verb ? " " : "", c->verb);
    return CLI_USAGE;
}

/* A table option spelt with one dash ("-o"): only those a command lists by that name. */
static bool short_opt(const cli_cmd *c, const char *a)
{
    if (a[0] != '-' || a[1] == '-')
        return false;
    for (const cli_optdef *o = c->opts; o && o->name; o++)
        if (o->name[1] != '-' && !strcmp(o->name, a))
            return true;
    return false;
}

static bool repeatable(const char *name)
{
    for (const char *const *r = cli_repeatable_opts; *r; r++)
        if (!strcmp(*r, name))
            return true;
    return false;
}

/* Checks the words after the verb: options against c->opts, then the count of positionals. */
static int check_args(cli_ctx *ctx, const cli_cmd *c, int first, int argc, char **argv)
{
    uint64_t seen = 0;
    int npos = 0;
    char name[256];
    snprintf(name, sizeof name, "folio %s%s%s", c->noun, *c->verb ? " " : "", c->verb);
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if ((a[0] == '-' && a[1] == '-') || short_opt(c, a)) {
            size_t n = strcspn(a, "=");
            int k = 0;
            const cli_optdef *o = c->opts;
            for (; o && o->name; o++, k++)
                if (strlen(o->name) == n && !strncmp(o->name, a, n))
                    break;
            if (!o || !o->name)
                return bad_option(ctx, c, a, n);
            if ((seen & (1ULL << k)) && !repeatable(o->name)) {
                cli_fail(ctx, "USAGE", "option %s is given twice", o->name);
                return CLI_USAGE;
            }
            seen |= 1ULL << k;
            size_t al = o->arg ? strlen(o->arg) : 0;
            if (!o->arg && a[n] == '=') {
                cli_fail(ctx, "USAGE", "option %s takes no value", o->name);
                return CLI_USAGE;
            }
            if (al > 3 && !strcmp(o->arg + al - 3, "...")) {
                while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
                    i++;
            } else if (o->arg && a[n] != '=') {
                /* an empty value is the command's to judge (it names the ledger's code) */
                if (i + 1 >= argc) {
                    cli_fail(ctx, "USAGE", "option %s needs a value: %s %s", o->name, o->name,
                             o->arg);
                    return CLI_USAGE;
                }
                i++;
            }
            continue;
        }
        if (a[0] == '-' && a[1] && !isdigit((unsigned char)a[1]) && a[1] != '.') {
            cli_fail(ctx, "USAGE", "unknown option '%s' for '%s' (options are spelt --name)", a,
                     name);
            return CLI_USAGE;
        }
        if (c->max_args != CLI_ARGS_ANY && npos >= c->max_args) {
            if (c->max_args == 0)
                cli_fail(ctx, "USAGE", "unexpected argument '%s': '%s' takes no arguments", a,
                         name);
            else
                cli_fail(ctx, "USAGE", "unexpected argument '%s': '%s' takes only %s", a, name,
                         c->args);
            return CLI_USAGE;
        }
        npos++;
    }
    if (npos < c->min_args) {
        char u[1024];
        cli_cmds_usage_line(u, sizeof u, c);
        cli_fail(ctx, "USAGE", "'%s' needs %s (usage: %s)", name, c->args, u);
        return CLI_USAGE;
    }
    if (ctx->dry_run && !c->writes) {
        cli_fail(ctx, "USAGE",
                 "--dry-run is for commands that write to the ledger; '%s' only reads", name);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* The i-th positional placeholder of args ("ISIN QUANTITY" -> "QUANTITY" for 1), without
 * brackets; "" if none. */
static void positional_ph(const char *args, int i, char *out, size_t len)
{
    out[0] = 0;
    for (const char *p = args; *p;) {
        p += strspn(p, " ");
        size_t l = strcspn(p, " ");
        if (!l)
            break;
        if (i-- == 0) {
            const char *w = p + (*p == '[');
            size_t wl = l - (*p == '[') - (p[l - 1] == ']');
            snprintf(out, len, "%.*s", (int)wl, w);
            return;
        }
        p += l;
    }
}

/* After check_args accepted the line: each value against its placeholder (cli_values.c). */
static int check_values(cli_ctx *ctx, const cli_cmd *c, int first, int argc, char **argv)
{
    int npos = 0;
    for (int i = first; i < argc; i++) {
        char *a = argv[i];
        if (a[0] == '-' && a[1] == '-') {
            size_t n = strcspn(a, "=");
            const cli_optdef *o = c->opts;
            while (o && o->name && !(strlen(o->name) == n && !strncmp(o->name, a, n)))
                o++;
            size_t al = o && o->arg ? strlen(o->arg) : 0;
            if (al > 3 && !strcmp(o->arg + al - 3, "...")) {
                while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
                    i++; /* V...: every word up to the next option (never an ISIN or enum) */
                continue;
            }
            if (!al)
                continue;
            char *v = a[n] == '=' ? a + n + 1 : argv[++i];
            int rc = cli_value_check(ctx, o->name, o->arg, v);
            if (rc != CLI_OK)
                return rc;
            continue;
        }
        char ph[64];
        positional_ph(c->args, npos++, ph, sizeof ph);
        /* a positional's placeholder with '|' names alternatives of kind (NAME|ACCOUNT),
         * never literal values: only instrument ids are judged */
        int rc = strcmp(ph, "ISIN") ? CLI_OK : cli_value_check(ctx, ph, ph, a);
        if (rc != CLI_OK)
            return rc;
    }
    return CLI_OK;
}

static int bad_noun(cli_ctx *ctx, const char *word)
{
    const char *names[128];
    size_t n = 0;
    for (size_t i = 0; i < cli_nouns_n && n < 128; i++)
        names[n++] = cli_nouns[i].name;
    char dym[128];
    cli_fail(ctx, "USAGE", "unknown command '%s'%s (see folio --help)", word,
             mean(dym, sizeof dym, cli_suggest(word, names, n)));
    return CLI_USAGE;
}

int cli_cmds_dispatch(cli_ctx *ctx, int argc, char **argv)
{
    const cli_noun *noun = cli_cmds_noun(argv[0]);
    if (!noun && argv[0][0] == '-') {
        cli_fail(ctx, "USAGE", "unknown option '%s' before the command (see folio --help)",
                 argv[0]);
        return CLI_USAGE;
    }
    if (!noun)
        return bad_noun(ctx, argv[0]);
    bool help = false;
    for (int i = 1; i < argc; i++)
        help |= is_help(argv[i]);
    size_t depth;
    const cli_cmd *c = find_cmd(noun->name, argc, argv, &depth);
    if (help || (argc > 1 && !strcmp(argv[1], "help"))) {
        if (c && *c->verb)
            cli_cmds_help(stdout, c);
        else
            help_prefix(stdout, noun->name, argc, argv, depth);
        return CLI_OK;
    }
    if (!c || (!*c->verb && depth > 0)) {
        if (argc < 2) {
            help_prefix(stderr, noun->name, argc, argv, 0);
            return CLI_USAGE;
        }
        return bad_verb(ctx, noun->name, argc, argv, depth);
    }
    if (!*c->verb && argc > 1 && argv[1][0] != '-') {
        /* a noun used alone that also has verbs (transfer, transfer check): a word close to
         * one of the verbs is a typo of it, not a first argument */
        char names[VERBS_MAX][64];
        const char *ptrs[VERBS_MAX];
        size_t n = next_words(noun->name, argc, argv, 0, names, VERBS_MAX);
        for (size_t i = 0; i < n; i++)
            ptrs[i] = names[i];
        if (n && cli_suggest(argv[1], ptrs, n))
            return bad_verb(ctx, noun->name, argc, argv, 0);
    }
    int first = 1 + (int)verb_len(c);
    int rc = check_args(ctx, c, first, argc, argv);
    if (rc == CLI_OK)
        rc = check_values(ctx, c, first, argc, argv);
    if (rc != CLI_OK)
        return rc;
    return noun->fn(ctx, argc, argv);
}

/* ---- folio commands ---- */

static json_t *cmd_json(const cli_cmd *c)
{
    char u[1024];
    cli_cmds_usage_line(u, sizeof u, c);
    json_t *opts = json_array();
    for (const cli_optdef *o = c->opts; o && o->name; o++)
        json_array_append_new(opts, json_pack("{s:s,s:s?,s:b,s:s}", "name", o->name, "value",
                                              o->arg, "required", o->required, "help", o->help));
    json_t *max = c->max_args == CLI_ARGS_ANY ? json_null() : json_integer(c->max_args);
    return json_pack("{s:s,s:s,s:s,s:s,s:i,s:o,s:b,s:s,s:o}", "noun", c->noun, "verb", c->verb,
                     "usage", u, "args", c->args, "min_args", c->min_args, "max_args", max,
                     "writes", c->writes, "summary", c->summary, "options", opts);
}

int cli_commands_main(cli_ctx *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (ctx->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < cli_cmds_n; i++)
            json_array_append_new(arr, cmd_json(&cli_cmds[i]));
        json_t *j = json_pack("{s:o,s:n}", "commands", arr, "next");
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    for (size_t i = 0; i < cli_cmds_n; i++) {
        char u[1024];
        cli_cmds_usage_line(u, sizeof u, &cli_cmds[i]);
        printf("%s\n", u);
    }
    return CLI_OK;
}
