"""`nngui lab`: the backprop lab headless (the course's XOR net by hand-written backprop)."""

from __future__ import annotations

import argparse
import sys
import time

from nngui.cli_common import UsageError, emit, int_in
from nngui.core.platform.fsio import atomic_write_text, check_writable


def cmd_lab(args: argparse.Namespace) -> int:
    """The backprop lab headless: train the course's XOR net by hand-written backprop."""
    from nngui.core.lab.backprop import TRUTH_TABLES, LabConfig, LabError, LabNet
    from nngui.core.lab.check import gradient_check
    from nngui.core.lab.export import export_script

    if args.iterations < 0 or args.iterations > 1_000_000:
        raise UsageError(f"--iterations must be 0 to 1000000, not {args.iterations}.")
    try:
        config = LabConfig(table=args.table.lower(), hidden=args.hidden, activation=args.activation,
                           loss=args.loss, bias=not args.no_bias, lr=args.lr, seed=args.seed,
                           alpha=args.alpha, wrong_grad=args.wrong_grad)
    except LabError as exc:
        raise UsageError(str(exc)) from None
    net = LabNet(config)
    # the wrong derivative is caught at the start; after it has wrecked training the weights
    # may sit where every gradient is 0 and the check would agree, so report both
    initial = gradient_check(config, [w.copy() for w in net.weights], with_tf=not args.no_tf)
    stream = sys.stderr if args.json else sys.stdout
    every = max(1, args.iterations // 10)
    t0 = time.perf_counter()
    for i in range(args.iterations):
        net.step()
        if (i + 1) % every == 0 and not args.quiet:
            print(f"iteration {i + 1}  SSE {net.sses[-1]:.6f}", file=stream)
    seconds = time.perf_counter() - t0
    check = gradient_check(config, net.weights, with_tf=not args.no_tf)
    if args.export:
        try:
            check_writable(args.export)
            atomic_write_text(args.export, export_script(config, args.iterations))
        except OSError as exc:
            raise UsageError(f"Cannot write {args.export}: {exc.strerror or exc}") from None
    if not net.sses:  # --iterations 0: report the untrained net
        net.forward()
    sse, outputs = net.sses[-1], net.outputs
    obj = {"table": config.table, "iterations": args.iterations, "seed": config.seed,
           "lr": config.lr, "hidden": config.hidden, "activation": config.activation,
           "loss": config.loss, "bias": config.bias, "wrong_grad": config.wrong_grad,
           "sse": sse, "loss_value": net.losses[-1],
           "outputs": [float(v) for v in outputs],
           "targets": list(TRUTH_TABLES[config.table]),
           "grad_check_max_rel_diff": check.tf_max_rel,
           "finite_diff_max_rel_diff": check.numeric_max_rel,
           "initial_grad_check_max_rel_diff": initial.tf_max_rel,
           "initial_finite_diff_max_rel_diff": initial.numeric_max_rel,
           "grad_check_ok": check.ok and initial.ok, "seconds": round(seconds, 4), "export": args.export}
    def diffs(c) -> str:
        tf_text = "skipped" if c.tf_max_rel is None else f"{c.tf_max_rel:.2e}"
        return f"TensorFlow {tf_text}, finite differences {c.numeric_max_rel:.2e}"

    text = (f"{config.table.upper()} after {args.iterations} iterations: SSE {sse:.6f}\n"
            + "\n".join(f"  {r} -> {p:.6f}  (target {t})" for r, p, t in
                        zip(("0 0", "0 1", "1 0", "1 1"), outputs, TRUTH_TABLES[config.table],
                            strict=True))
            + f"\ngradient check, max relative difference: initial weights {diffs(initial)}; "
              f"final weights {diffs(check)} ("
              + ("agree" if obj["grad_check_ok"] else "DISAGREE: the hand-written gradient is wrong")
              + ")")
    emit(args, obj, text)
    return 0


def add_lab_parser(add) -> None:
    """`nngui lab [xor|and|or|xnor]` and its variants; argparse errors as one line, status 2."""
    p = add("lab", cmd_lab, "the backprop lab: XOR by hand-written NumPy backprop, "
            "checked against TensorFlow")
    p.add_argument("table", nargs="?", default="xor", help="xor (default), and, or, xnor")
    p.add_argument("--iterations", type=int_in(0, 1_000_000), default=1500)
    p.add_argument("--seed", type=int_in(0, 2**32 - 1), default=0,
                   help="weights uniform in [0, 1) from it")
    p.add_argument("--lr", type=float, default=1.0, help="learning rate (course: 1.0)")
    p.add_argument("--hidden", type=int, default=4, help="hidden units; 0 = perceptron")
    p.add_argument("--activation", default="sigmoid",
                   help="hidden activation: sigmoid, tanh, relu, leaky_relu, linear")
    p.add_argument("--alpha", type=float, default=0.2, help="leaky ReLU slope")
    p.add_argument("--loss", default="sse", help="sse, mse, binary_crossentropy, mae")
    p.add_argument("--no-bias", action="store_true", help="drop the constant-1 input column")
    p.add_argument("--wrong-grad", action="store_true",
                   help="use a wrong grad_sigmoid (z(1-z) instead of a(1-a)): the check fails")
    p.add_argument("--no-tf", action="store_true", help="skip the TensorFlow gradient check")
    p.add_argument("--export", metavar="FILE", help="also write the net as a NumPy script")
    p.add_argument("--quiet", action="store_true", help="no per-iteration progress lines")
