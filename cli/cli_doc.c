/* Documents generated from the command table (cli_cmds.c): `folio completion bash`, `folio
 * man` (a man page in roff) and `folio --version`. Nothing here is written by hand per
 * command, so a verb added to the table is completed and documented at once. */
#include "cli_cmds.h"
#include "ldg_block.h"
#include "ldg_tx.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#ifndef FOLIO_VERSION
#define FOLIO_VERSION "unknown"
#endif

/* ---- version ---- */

int cli_version(cli_ctx *ctx)
{
    if (ctx->json) {
        json_t *j = json_pack("{s:s,s:{s:i,s:i}}", "version", FOLIO_VERSION, "protocol",
                              "transaction", LDG_TX_VERSION, "block", LDG_BLOCK_VERSION);
        cli_print_json(j);
        json_decref(j);
    } else {
        printf("folio %s\nchain protocol: transaction format %d, block format %d\n", FOLIO_VERSION,
               LDG_TX_VERSION, LDG_BLOCK_VERSION);
    }
    return CLI_OK;
}

/* ---- bash completion ---- */

/* Values an option placeholder lists ("buy|sell" -> "buy sell"), else "". Placeholders that
 * name a kind of value (FILE, N, ACCOUNT) complete nothing, or files. */
static void enum_values(char *out, size_t len, const char *arg)
{
    out[0] = 0;
    if (!arg || !strchr(arg, '|'))
        return;
    size_t n = 0;
    for (const char *p = arg; *p && n + 1 < len; p++) {
        char c = *p == '|' ? ' ' : *p;
        if (!isalnum((unsigned char)c) && !strchr(" -/_", c))
            return; /* "A,B,...|none": not a plain list */
        out[n++] = c;
    }
    out[n] = 0;
    /* upper-case words are placeholders (YYYY-MM-DD|none, KEYNAME|PUBKEY): no list */
    for (const char *p = out; *p; p++)
        if (isupper((unsigned char)*p)) {
            out[0] = 0;
            return;
        }
}

static bool wants_file(const char *arg)
{
    return arg && (strstr(arg, "FILE") || strstr(arg, "DIR") || strstr(arg, "CERT"));
}

static void path_of(char *out, size_t len, const cli_cmd *c)
{
    snprintf(out, len, "%s%s%s", c->noun, *c->verb ? " " : "", c->verb);
}

/* The words that may follow `prefix` (a noun, or a noun and the first verb words). */
static void next_words_of(char *out, size_t len, const char *prefix)
{
    size_t pl = strlen(prefix), n = 0;
    out[0] = 0;
    for (size_t i = 0; i < cli_cmds_n; i++) {
        char path[256];
        path_of(path, sizeof path, &cli_cmds[i]);
        if (strncmp(path, prefix, pl) != 0 || path[pl] != ' ')
            continue;
        char w[64];
        snprintf(w, sizeof w, "%.*s", (int)strcspn(path + pl + 1, " "), path + pl + 1);
        char pad[80];
        snprintf(pad, sizeof pad, " %s ", w);
        char hay[2048];
        snprintf(hay, sizeof hay, " %s ", out);
        if (strstr(hay, pad))
            continue;
        n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? " " : "", w);
        if (n >= len)
            n = len - 1;
    }
}

/* Every prefix of a command's path that is not itself a complete command path. */
static bool is_cmd_path(const char *p)
{
    for (size_t i = 0; i < cli_cmds_n; i++) {
        char path[256];
        path_of(path, sizeof path, &cli_cmds[i]);
        if (!strcmp(path, p))
            return true;
    }
    return false;
}

static size_t words_in(const char *s)
{
    size_t n = 1;
    for (; *s; s++)
        n += *s == ' ';
    return n;
}

static void completion_branch(FILE *out, const cli_cmd *c)
{
    char path[256], next[1024];
    path_of(path, sizeof path, c);
    next_words_of(next, sizeof next, path);
    fprintf(out, "    \"%s \"*)\n        next=\"%s\"\n        opts=\"", path, next);
    for (const cli_optdef *o = c->opts; o && o->name; o++)
        fprintf(out, "%s%s", o != c->opts ? " " : "", o->name);
    fprintf(out, "\"\n        case \"$prev\" in\n");
    for (const cli_optdef *o = c->opts; o && o->name; o++) {
        char vals[512];
        enum_values(vals, sizeof vals, o->arg);
        if (*vals)
            fprintf(out, "        %s) COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n",
                    o->name, vals);
        else if (wants_file(o->arg))
            fprintf(out, "        %s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", o->name);
        else if (o->arg)
            fprintf(out, "        %s) return ;;\n", o->name);
    }
    fprintf(out, "        esac\n        files=%d\n        ;;\n", wants_file(c->args) ? 1 : 0);
}

static void completion_bash(FILE *out)
{
    fprintf(out,
            "# bash completion for folio, generated from its command table by\n"
            "# `folio completion bash` (folio %s). Install: make install, or\n"
            "#   source <(folio completion bash)\n"
            "_folio()\n{\n"
            "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
            "    local i path=\"\" next=\"\" opts=\"\" files=0\n"
            "    local globals=\"--home --as --json --dry-run --help\"\n"
            "    case \"$prev\" in\n"
            "    --home) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
            "    --as)\n"
            "        local h=\"${FOLIO_HOME:-$HOME/.folio}\"\n"
            "        for ((i = 1; i < COMP_CWORD; i++)); do\n"
            "            [ \"${COMP_WORDS[i]}\" = --home ] && h=\"${COMP_WORDS[i+1]}\"\n"
            "        done\n"
            "        COMPREPLY=($(compgen -W \"$(ls \"$h/keys\" 2>/dev/null | sed -n "
            "'s/\\.pub$//p')\" -- \"$cur\"))\n"
            "        return ;;\n"
            "    esac\n"
            "    # the words typed so far, without global options and their values\n"
            "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
            "        case \"${COMP_WORDS[i]}\" in\n"
            "        --home | --as) ((i++)) ;;\n"
            "        -*) ;;\n"
            "        *) path=\"${path:+$path }${COMP_WORDS[i]}\" ;;\n"
            "        esac\n"
            "    done\n"
            "    case \"$path \" in\n"
            "    \" \") next=\"",
            FOLIO_VERSION);
    for (size_t i = 0; i < cli_nouns_n; i++)
        fprintf(out, "%s%s", i ? " " : "", cli_nouns[i].name);
    fprintf(out, "\"; globals=\"$globals --version\" ;;\n");
    /* longest paths first: `case` takes the first pattern that matches */
    size_t maxw = 1;
    for (size_t i = 0; i < cli_cmds_n; i++) {
        char path[256];
        path_of(path, sizeof path, &cli_cmds[i]);
        if (words_in(path) > maxw)
            maxw = words_in(path);
    }
    for (size_t w = maxw; w >= 1; w--) {
        for (size_t i = 0; i < cli_cmds_n; i++) {
            char path[256];
            path_of(path, sizeof path, &cli_cmds[i]);
            if (words_in(path) == w)
                completion_branch(out, &cli_cmds[i]);
        }
        /* prefixes of this length that are not commands: only the next word */
        for (size_t i = 0; i < cli_cmds_n; i++) {
            char path[256];
            path_of(path, sizeof path, &cli_cmds[i]);
            if (words_in(path) <= w)
                continue;
            char pre[256];
            size_t k = 0, words = 0;
            while (path[k] && !(path[k] == ' ' && ++words == w))
                k++;
            snprintf(pre, sizeof pre, "%.*s", (int)k, path);
            if (is_cmd_path(pre))
                continue;
            bool seen = false; /* one branch per prefix */
            for (size_t j = 0; j < i && !seen; j++) {
                char p2[256];
                path_of(p2, sizeof p2, &cli_cmds[j]);
                seen = words_in(p2) > w && !strncmp(p2, pre, k) && p2[k] == ' ';
            }
            if (seen)
                continue;
            char next[1024];
            next_words_of(next, sizeof next, pre);
            fprintf(out, "    \"%s \"*) next=\"%s\" ;;\n", pre, next);
        }
    }
    fprintf(out, "    esac\n"
                 "    if [[ \"$cur\" == -* ]]; then\n"
                 "        COMPREPLY=($(compgen -W \"$opts $globals\" -- \"$cur\"))\n"
                 "    elif [ -n \"$next\" ]; then\n"
                 "        COMPREPLY=($(compgen -W \"$next\" -- \"$cur\"))\n"
                 "    elif [ \"$files\" = 1 ]; then\n"
                 "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
                 "    fi\n"
                 "}\n"
                 "complete -F _folio folio\n");
}

int cli_completion_main(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv; /* the table allows only `completion bash` */
    completion_bash(stdout);
    return CLI_OK;
}

/* ---- man page ---- */

/* roff text: backslashes and hyphens escaped, a leading '.' or '\'' protected. */
static void roff(FILE *out, const char *s)
{
    bool bol = true;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", out);
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else
            fputc(*s, out);
        bol = *s == '\n';
    }
}

static void man_cmd(FILE *out, const cli_cmd *c)
{
    char u[1024];
    cli_cmds_usage_line(u, sizeof u, c);
    fputs(".TP\n.B ", out);
    roff(out, u);
    fputc('\n', out);
    roff(out, c->summary);
    fputs(c->writes ? " (writes to the ledger; takes \\-\\-dry\\-run)\n" : "\n", out);
    if (!c->opts || !c->opts->name)
        return;
    fputs(".RS\n", out);
    for (const cli_optdef *o = c->opts; o->name; o++) {
        fputs(".TP\n.B ", out);
        roff(out, o->name);
        if (o->arg) {
            fputs(" ", out);
            roff(out, o->arg);
        }
        fputc('\n', out);
        roff(out, o->help);
        fputc('\n', out);
    }
    fputs(".RE\n", out);
}

static void man_page(FILE *out)
{
    fprintf(out,
            ".\\\" generated from folio's command table by `folio man`; do not edit\n"
            ".TH FOLIO 1 \"\" \"folio %s\" \"User Commands\"\n"
            ".SH NAME\nfolio \\- a permissioned ledger for digital securities\n"
            ".SH SYNOPSIS\n.B folio\n.I NOUN VERB\n[\\fIARGS\\fR] [\\fB\\-\\-home\\fR "
            "\\fIDIR\\fR] [\\fB\\-\\-as\\fR \\fIKEY\\fR] [\\fB\\-\\-json\\fR] "
            "[\\fB\\-\\-dry\\-run\\fR]\n.br\n.B folio \\-\\-version\n"
            ".SH DESCRIPTION\n",
            FOLIO_VERSION);
    roff(out, "Every command is a noun and a verb. A command line is checked against the "
              "command table before it runs: an unknown verb or option, or an argument too "
              "many or too few, is refused with exit status 2 and a suggestion when one is "
              "close.\n");
    fputs(".SH COMMANDS\n", out);
    for (size_t i = 0; i < cli_nouns_n; i++) {
        const cli_noun *n = &cli_nouns[i];
        fputs(".SS ", out);
        roff(out, n->name);
        fputc('\n', out);
        roff(out, n->summary);
        fputc('\n', out);
        if (n->about) {
            fputs(".PP\n", out);
            roff(out, n->about);
            fputc('\n', out);
        }
        for (size_t k = 0; k < cli_cmds_n; k++)
            if (!strcmp(cli_cmds[k].noun, n->name))
                man_cmd(out, &cli_cmds[k]);
    }
    fputs(".SH GLOBAL OPTIONS\n", out);
    for (size_t i = 0; i < cli_globals_n; i++) {
        fputs(".TP\n.B ", out);
        roff(out, cli_globals[i].name);
        fputc('\n', out);
        roff(out, cli_globals[i].help);
        fputc('\n', out);
    }
    fputs(".SH EXIT STATUS\n", out);
    for (size_t i = 0; i < cli_exits_n; i++) {
        fprintf(out, ".TP\n.B %d\n", cli_exits[i].code);
        roff(out, cli_exits[i].text);
        fputc('\n', out);
    }
    fputs(".SH MONEY AND QUANTITIES\n", out);
    roff(out, cli_money_rule);
    fputc('\n', out);
    fputs(".SH ENVIRONMENT\n.TP\n.B FOLIO_HOME\nthe node home when \\-\\-home is not "
          "given (default ~/.folio)\n.SH SEE ALSO\nREADME.md and specs/ in the source.\n",
          out);
}

int cli_man_main(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    man_page(stdout);
    return CLI_OK;
}
