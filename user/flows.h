/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flows listing (xlbctl flows): a control-socket stream (ctl.h) over
 * the flow table, one item per live flow, each
 *   {"proto":"tcp","client":"198.18.0.1:40000","vip":"198.18.0.100:80",
 *    "backend":"198.18.0.11","idle_ms":1500,"closing":false}
 * and no cap but the request's limit. Each turn of the loop reads the
 * mapped table (maps_ct_scan) for at most CTL_STREAM_BUDGET_US, and none
 * while the client has not read enough of the last.
 *
 * The table is read once, from its first slot to its last, while the
 * data path goes on: a flow that begins or ends meanwhile may or may not
 * be listed, and one that moves to another partition while it is read
 * may be listed twice or missed. A copy whose original is still there
 * is listed once, with the original. Backends and VIPs are looked up in
 * the running model at each turn: when it changes (lb.h's gen) the index
 * is rebuilt, flows of a backend deleted meanwhile are left out, and a
 * listing of one VIP ends with an error if that VIP is removed.
 */
#ifndef XLB_FLOWS_H
#define XLB_FLOWS_H

#include <stdbool.h>
#include <linux/types.h>
#include "addr.h"

struct ctl_stream;
struct lb;
struct maps;

struct flows_query {
	bool has_vip;		/* only the flows of this VIP: */
	__u8 proto;
	struct ip_addr vip;
	__u16 port;
	__u64 limit;		/* at most this many, 0: all */
	__u64 udp_timeout_ns;	/* which UDP flows are live */
};

/*
 * Start listing m's flows of lb's VIPs: fills st for a ctl handler,
 * whose head line is ctl_stream_head("flows"). m and lb must outlive the
 * stream (ctl_close() before freeing them). 0, -ENOENT (no such VIP in
 * lb) or -ENOMEM.
 */
int flows_stream(struct ctl_stream *st, struct maps *m, const struct lb *lb,
		 const struct flows_query *q);

#endif /* XLB_FLOWS_H */
