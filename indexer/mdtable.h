/* mdtable.h -- pipe tables ("| a | b |" rows with a "|---|---|" line)
 * rendered as HTML tables.  cmark (without extensions) parses such a
 * table as one paragraph; the article page should still show a table. */
#ifndef KB_MDTABLE_H
#define KB_MDTABLE_H

#include <cmark.h>

/* When para is a paragraph holding a pipe table, returns the table as
 * safe HTML (caller frees): cell text escaped, inline markup rendered
 * by cmark in safe mode.  NULL when it is no table (or on OOM). */
char *mdtable_html(cmark_node *para);

#endif
