#!/usr/bin/env python3
"""OTLP/HTTP metrics receiver for the workspace's end-to-end tests (127.0.0.1 only).

Decoding uses the OpenTelemetry project's generated classes (PyPI `opentelemetry-proto`), so
nothing the Rust SDK defines takes part in it. Every data point received is appended to --out
as one JSON line; int64/uint64 fields are strings, as in the protobuf JSON mapping.

  POST /v1/metrics  application/x-protobuf or application/json (OTLP/JSON: hex ids),
                    optionally Content-Encoding: gzip; unknown JSON fields are a 400
  GET  /            200 "ok" (readiness)
  --fail-first N --fail-status S   answer the first N exports with status S (retry tests)
  --retry-after SECONDS            send Retry-After with those failures
  --grpc-port P --grpc-port-file F also serve OTLP/gRPC (grpcio and the official
                                   metrics_service_pb2_grpc) on P (0: any free port), and write
                                   the bound port to F before HTTP readiness; points carry
                                   transport "grpc" (grpcio hides grpc-encoding from the
                                   handler), headers are the x-* metadata, and the
                                   injected failures are UNAVAILABLE (503), RESOURCE_EXHAUSTED
                                   (429) or INVALID_ARGUMENT (other statuses)
  --grpc-no-gzip                   the gRPC server accepts identity only, so a gzip request is
                                   refused (UNIMPLEMENTED): how a test proves its requests are
                                   compressed
"""
import argparse
import base64
import gzip
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--fail-first", type=int, default=0)
parser.add_argument("--fail-status", type=int, default=503)
parser.add_argument("--retry-after", type=int, default=None)
parser.add_argument("--grpc-port", type=int, default=None)
parser.add_argument("--grpc-port-file", default=None)
parser.add_argument("--grpc-no-gzip", action="store_true")
args = parser.parse_args()

state = {"requests": 0, "failures_left": args.fail_first, "attempts": 0}
lock = threading.Lock()
out = open(args.out, "a", buffering=1)


def as_dict(message):
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def write_points(request, transport, headers):
    state["requests"] += 1
    for rm in request.resource_metrics:
        resource = {a["key"]: a["value"] for a in as_dict(rm.resource).get("attributes", [])}
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                kind = metric.WhichOneof("data")
                body = getattr(metric, kind)
                meta = {k: v for k, v in as_dict(body).items() if k != "data_points"}
                for point in body.data_points:
                    line = {
                        "req": state["requests"],
                        "attempts": state["attempts"],
                        "transport": transport,
                        "headers": headers,
                        "resource": resource,
                        "scope": {"name": sm.scope.name, "version": sm.scope.version},
                        "name": metric.name,
                        "description": metric.description,
                        "unit": metric.unit,
                        "kind": kind,
                        **meta,
                        "point": as_dict(point),
                    }
                    out.write(json.dumps(line) + "\n")


def ids_to_base64(value):
    """OTLP/JSON writes traceId/spanId in hex; the protobuf JSON parser expects base64."""
    if isinstance(value, dict):
        return {
            k: base64.b64encode(bytes.fromhex(v)).decode()
            if k in ("traceId", "spanId") and isinstance(v, str)
            else ids_to_base64(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [ids_to_base64(v) for v in value]
    return value


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def reply(self, status, body=b"", content_type="text/plain", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply(200, b"ok\n")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != "/v1/metrics":
            return self.reply(404, b"not found\n")
        with lock:
            state["attempts"] += 1
            if state["failures_left"] > 0:
                state["failures_left"] -= 1
                extra = [("Retry-After", str(args.retry_after))] if args.retry_after is not None else []
                return self.reply(args.fail_status, b"injected failure\n", extra=extra)
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        request = metrics_service_pb2.ExportMetricsServiceRequest()
        try:
            if self.headers.get("Content-Encoding", "") == "gzip":
                body = gzip.decompress(body)
                encoding = "+gzip"
            else:
                encoding = ""
            if content_type == "application/x-protobuf":
                request.ParseFromString(body)
                transport = "http/protobuf" + encoding
            elif content_type == "application/json":
                json_format.Parse(json.dumps(ids_to_base64(json.loads(body))), request)
                transport = "http/json" + encoding
            else:
                return self.reply(415, b"unsupported content type\n")
        except Exception as error:  # any decoding failure is the client's fault
            return self.reply(400, f"cannot decode: {error}\n".encode())
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower().startswith("x-")}
        with lock:
            write_points(request, transport, headers)
        response = metrics_service_pb2.ExportMetricsServiceResponse()
        if content_type == "application/json":
            self.reply(200, b"{}", "application/json")
        else:
            self.reply(200, response.SerializeToString(), "application/x-protobuf")


def serve_grpc():
    """Starts the gRPC server (before HTTP, whose readiness then covers both)."""
    from concurrent import futures

    import grpc
    from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc

    codes = {503: grpc.StatusCode.UNAVAILABLE, 429: grpc.StatusCode.RESOURCE_EXHAUSTED}

    class MetricsService(metrics_service_pb2_grpc.MetricsServiceServicer):
        def Export(self, request, context):
            metadata = {k.lower(): v for k, v in context.invocation_metadata()}
            with lock:
                state["attempts"] += 1
                if state["failures_left"] > 0:
                    state["failures_left"] -= 1
                    code = codes.get(args.fail_status, grpc.StatusCode.INVALID_ARGUMENT)
                    context.abort(code, "injected failure")
                headers = {k: v for k, v in metadata.items() if k.startswith("x-")}
                write_points(request, "grpc", headers)
            return metrics_service_pb2.ExportMetricsServiceResponse()

    # Bit 0 of the bitset is identity; gzip is bit 2 (grpc_compression_algorithm).
    options = [("grpc.compression_enabled_algorithms_bitset", 1)] if args.grpc_no_gzip else []
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=options)
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(MetricsService(), server)
    port = server.add_insecure_port(f"127.0.0.1:{args.grpc_port}")
    if port == 0:
        raise SystemExit(f"cannot bind gRPC port {args.grpc_port}")
    server.start()
    if args.grpc_port_file:
        with open(args.grpc_port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.replace(args.grpc_port_file + ".tmp", args.grpc_port_file)
    return server


grpc_server = serve_grpc() if args.grpc_port is not None else None
ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
