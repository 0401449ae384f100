// SPDX-License-Identifier: GPL-2.0
/*
 * XDP_PASS and nothing else. A veth delivers frames sent to it by XDP_TX
 * or redirect only when an XDP program is attached to it; the namespace
 * lab attaches this one to every switch-side veth end.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xlb_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
