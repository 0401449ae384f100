/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reply data of the control protocol (see ctl_proto.h) as text for people:
 * aligned tables for vip list, status and flows, the config text of save,
 * the message of a mutation. Used by xlbctl; writes only to the given FILE.
 */
#ifndef XLB_CTL_PRINT_H
#define XLB_CTL_PRINT_H

#include <stdio.h>
#include <json-c/json.h>
#include "cmd.h"

/* Print data, the reply to a request of this verb. 0 or -EIO/-ENOMEM.
 * Missing or mistyped fields print as "-". */
int ctl_print(enum cmd_verb verb, struct json_object *data, FILE *f);

#endif /* XLB_CTL_PRINT_H */
