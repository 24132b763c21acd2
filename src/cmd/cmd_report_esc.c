/* `report`, the escaping: every text that comes from the files (model, category and token names,
 * attributes, paths) reaches a gnuplot script, HTML or Markdown only through the one function of
 * that language here, and the documents' paragraphs are built by ta__report_textf, which escapes
 * its %s arguments for each document.
 *
 *   gnuplot   a double-quoted string in which every byte outside a small safe set is written as
 *             an octal escape \ooo: gnuplot substitutes `command` (backquotes) and @macros in
 *             the raw line before it parses strings, so neither character may appear as itself;
 *             quotes, backslashes, $, parentheses (so that no function call can even be read
 *             into a name) and control bytes (a newline would end the command and start
 *             another) are escaped the same way. Comments keep letters, digits, spaces and
 *             -_.,:;/+= and show anything else as '?'.
 *   HTML      & < > " ' as entities; C0 control bytes other than tab and newline as U+FFFD.
 *   Markdown  a backslash before every ASCII punctuation character that means something to
 *             CommonMark or GitHub inside a line (\ ` * _ [ ] ( ) | ~ & # $ !: emphasis, code,
 *             links and images, tables, entities, math, strikethrough, headings) and < > as
 *             entities (no inline HTML); line breaks and other control bytes as a space or
 *             U+FFFD, so that a text can never leave its table cell, heading or paragraph. A
 *             block of text (the configuration) is an HTML <pre> block, every ASCII character
 *             but letters, digits, spaces, tabs and newlines as a numeric entity: no line of it
 *             can close the block or start a heading, a fence, a table or a link. */
#include "base/ta_error.h"
#include "cmd/cmd_report_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ta__report_gp_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        int safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c >= 0x80 || (c != 0 && strchr(" -_.,:;[]{}/+=%#*?!~^&|<>", (int)c));
        if (safe)
            fputc((int)c, fp);
        else
            fprintf(fp, "\\%03o", c);
    }
    fputc('"', fp);
}

void ta__report_gp_comment(FILE *fp, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(isalnum(*p) || (*p && strchr(" -_.,:;/+=", *p)) ? *p : '?', fp);
}

void ta__report_html(FILE *fp, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '<':
            fputs("&lt;", fp);
            break;
        case '>':
            fputs("&gt;", fp);
            break;
        case '&':
            fputs("&amp;", fp);
            break;
        case '"':
            fputs("&quot;", fp);
            break;
        case '\'':
            fputs("&#39;", fp);
            break;
        default:
            if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
                fputs("\xef\xbf\xbd", fp);
            else
                fputc(*p, fp);
        }
    }
}

void ta__report_md(FILE *fp, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t')
            fputc(' ', fp);
        else if (*p < 0x20 || *p == 0x7f)
            fputs("\xef\xbf\xbd", fp);
        else if (*p == '<')
            fputs("&lt;", fp);
        else if (*p == '>')
            fputs("&gt;", fp);
        else {
            if (strchr("\\`*_[]()|~&#$!", (int)*p))
                fputc('\\', fp);
            fputc(*p, fp);
        }
    }
}

void ta__report_md_pre(FILE *fp, const char *s)
{
    fputs("<pre>", fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n' || *p == '\t' || *p >= 0x80 || isalnum(*p) || *p == ' ')
            fputc(*p, fp);
        else if (*p < 0x20 || *p == 0x7f)
            fputs("\xef\xbf\xbd", fp);
        else
            fprintf(fp, "&#%d;", *p);
    }
    fputs("</pre>\n", fp);
}

void ta__report_file_name(char *out, size_t cap, const char *prefix, const char *model, int index)
{
    /* Letters, digits, '-', '_' and inner '.' as they are; anything else (a '/', a leading '.')
     * makes the name prefix_<index>, so that no name can leave figures/ or collide. */
    int ok = model[0] && model[0] != '.' && strlen(model) < 200;
    for (const char *p = model; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             *p == '-' || *p == '_' || *p == '.';
    if (ok)
        snprintf(out, cap, "%s_%s", prefix, model);
    else
        snprintf(out, cap, "%s_%d", prefix, index + 1);
}

/* ---- paragraphs built for both documents ---------------------------------------------------- */

int ta__report_text_open(ta__report_text_t *t)
{
    memset(t, 0, sizeof *t);
    t->md = open_memstream(&t->mdbuf, &t->mdlen);
    t->html = open_memstream(&t->htmlbuf, &t->htmllen);
    if (!t->md || !t->html) {
        ta__report_text_free(t);
        return TA_ERR(TA_ERESOURCE, "out of memory for the report's text");
    }
    return 0;
}

/* Writes one conversion spec (without %s, which the caller escapes) with its argument. */
static void one_conv(ta__report_text_t *t, const char *spec, size_t len, va_list *ap)
{
    char f[32], buf[128];
    snprintf(f, sizeof f, "%.*s", (int)(len < sizeof f ? len : sizeof f - 1), spec);
    char conv = spec[len - 1];
    int l = 0, z = 0;
    for (size_t i = 1; i + 1 < len; i++) {
        l += spec[i] == 'l';
        z += spec[i] == 'z';
    }
    if (conv == 'f' || conv == 'g' || conv == 'e')
        snprintf(buf, sizeof buf, f, va_arg(*ap, double));
    else if (z)
        snprintf(buf, sizeof buf, f, va_arg(*ap, size_t));
    else if (l >= 2)
        snprintf(buf, sizeof buf, f, va_arg(*ap, long long));
    else if (l == 1)
        snprintf(buf, sizeof buf, f, va_arg(*ap, long));
    else
        snprintf(buf, sizeof buf, f, va_arg(*ap, int));
    fputs(buf, t->md);
    ta__report_html(t->html, buf);
}

/* Literal text of a format: Markdown as it is (it may be markup: `code`), HTML escaped with
 * `code` spans as <code> elements. */
static void literal(ta__report_text_t *t, const char *p, size_t n)
{
    fwrite(p, 1, n, t->md);
    char buf[2];
    buf[1] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '`') {
            t->code = !t->code;
            fputs(t->code ? "<code>" : "</code>", t->html);
            continue;
        }
        buf[0] = p[i];
        ta__report_html(t->html, buf);
    }
}

void ta__report_text_lit(ta__report_text_t *t, const char *s)
{
    literal(t, s, strlen(s));
}

void ta__report_vtextf(ta__report_text_t *t, const char *fmt, va_list ap0)
{
    va_list ap;
    va_copy(ap, ap0);
    for (const char *p = fmt; *p;) {
        if (*p != '%') {
            size_t n = strcspn(p, "%");
            literal(t, p, n);
            p += n;
            continue;
        }
        if (p[1] == '%') {
            literal(t, "%", 1);
            p += 2;
            continue;
        }
        size_t n = 1 + strspn(p + 1, "0123456789.-+ #lz");
        if (p[n] == 's') {
            const char *s = va_arg(ap, const char *);
            ta__report_md(t->md, s ? s : "(null)");
            ta__report_html(t->html, s ? s : "(null)");
        } else if (p[n]) {
            one_conv(t, p, n + 1, &ap);
        }
        p += p[n] ? n + 1 : n;
    }
    va_end(ap);
}

void ta__report_textf(ta__report_text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ta__report_vtextf(t, fmt, ap);
    va_end(ap);
}

int ta__report_text_close(ta__report_text_t *t)
{
    int bad = 0;
    if (t->md)
        bad |= fclose(t->md) != 0;
    if (t->html)
        bad |= fclose(t->html) != 0;
    t->md = t->html = NULL;
    TA_CHECK(!bad && t->mdbuf && t->htmlbuf, TA_ERESOURCE, "out of memory for the report's text");
    return 0;
}

void ta__report_text_free(ta__report_text_t *t)
{
    if (t->md)
        fclose(t->md);
    if (t->html)
        fclose(t->html);
    free(t->mdbuf);
    free(t->htmlbuf);
    memset(t, 0, sizeof *t);
}
