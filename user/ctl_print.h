/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reply data of the control protocol (see ctl_proto.h) as text for people:
 * aligned tables for vip list and status, the config text of save, the
 * message of a mutation, and streams (flows) as they arrive. Used by
 * xlbctl; writes only to the given FILE.
 */
#ifndef XLB_CTL_PRINT_H
#define XLB_CTL_PRINT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "cmd.h"

/* Print data, the reply to a request of this verb. 0 or -EIO/-ENOMEM.
 * Missing or mistyped fields print as "-". */
int ctl_print(enum cmd_verb verb, struct json_object *data, FILE *f);

/*
 * A stream's items as they arrive, never all of them at once. As text,
 * flows are rows of a table whose columns fit IPv4 flows and widen for
 * a longer cell (the rows after it), then "(N flows)"; other streams
 * print each item as a JSON line. As JSON (json), one document:
 *   {"NAME": [ITEM, ...], "count": N, "truncated": B}
 * with an item on each line, or {"NAME": [ITEM, ...], "error": "..."}
 * when the stream fails, so that the output is valid JSON either way.
 * Every call returns 0 or -EIO (-ENOMEM).
 */
struct ctl_printer;

struct ctl_printer *ctl_printer_new(const char *name, bool json, FILE *f);
int ctl_printer_item(struct ctl_printer *p, struct json_object *item);
/* The stream's end: what the end line says. */
int ctl_printer_end(struct ctl_printer *p, unsigned long long count,
		    bool truncated);
/* The stream failed (xlbd's error, or a lost connection). */
int ctl_printer_fail(struct ctl_printer *p, const char *msg);
void ctl_printer_free(struct ctl_printer *p);

#endif /* XLB_CTL_PRINT_H */
