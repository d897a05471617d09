// Node-API addon: oneDNN 2D convolutions (forward, backward-data, backward-weights) on NHWC
// activations and HWIO filters, computed in place on caller-provided Float32Arrays — in Spikernel,
// views of the tfjs wasm backend's heap, so nothing is copied.
//
// Primitives are cached per (kind, shape, strides, pads, thread count): creating one costs 5–10 ms,
// running a cached one costs only its computation. Weights are given to oneDNN as `any` and
// reordered from/to HWIO (fixing them to HWIO makes oneDNN fall back to a gemm implementation at
// about half the speed). Every dnnl::error becomes a JS exception; nothing calls exit().
#include <node_api.h>
#include <omp.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

#if DNNL_VERSION_MAJOR != 2
#error "this addon uses the oneDNN 2.x API (operation descriptors); oneDNN 3.x is not supported"
#endif

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// Which convolution: y = conv(x, w); dx = conv_bwd_data(dy, w); dw = conv_bwd_weights(x, dy).
enum Kind { kForward = 0, kBackwardData = 1, kBackwardWeights = 2 };

struct Shape {
  int64_t n, h, w, ci, ho, wo, co, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
};

struct Entry {
  // User-layout memories (data handles set per call) and the primitive's own weights memory.
  std::unique_ptr<dnnl::primitive> conv;
  std::unique_ptr<dnnl::reorder> weightsReorder;  // HWIO → internal (fwd, bwd-data) or back (bwd-weights)
  memory src, weights, dst;                        // in the primitive's formats
  memory userWeights;                              // HWIO
  bool reorderWeights = false;
};

struct State {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::map<std::string, std::unique_ptr<Entry>> cache;
  int threads = 1;
};

State* state(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<State*>(data);
}

struct JsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(napi_env env, napi_status status, const char* what) {
  if (status != napi_ok) throw JsError(std::string("napi: ") + what);
}

float* floatData(napi_env env, napi_value value, size_t expected, const char* name) {
  bool isTyped = false;
  check(env, napi_is_typedarray(env, value, &isTyped), "is_typedarray");
  if (!isTyped) throw JsError(std::string(name) + " must be a Float32Array");
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  check(env, napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr),
        "get_typedarray_info");
  if (type != napi_float32_array) throw JsError(std::string(name) + " must be a Float32Array");
  if (length != expected)
    throw JsError(std::string(name) + ": " + std::to_string(length) + " elements, the shape needs " +
                  std::to_string(expected));
  if (data == nullptr && expected > 0) throw JsError(std::string(name) + ": no data pointer");
  return static_cast<float*>(data);
}

int64_t intAt(napi_env env, napi_value array, uint32_t i) {
  napi_value v;
  check(env, napi_get_element(env, array, i, &v), "get_element");
  int64_t out = 0;
  check(env, napi_get_value_int64(env, v, &out), "get_value_int64");
  return out;
}

std::string keyOf(Kind kind, const Shape& s, int threads) {
  const int64_t parts[] = {s.n,  s.h,  s.w,  s.ci, s.ho, s.wo, s.co, s.kh, s.kw,
                           s.sh, s.sw, s.pt, s.pl, s.pb, s.pr, s.dh, s.dw};
  std::string key = std::to_string(kind) + ":" + std::to_string(threads);
  for (int64_t p : parts) key += "," + std::to_string(p);
  return key;
}

std::unique_ptr<Entry> build(State& st, Kind kind, const Shape& s) {
  const memory::dims src{s.n, s.ci, s.h, s.w};
  const memory::dims wei{s.co, s.ci, s.kh, s.kw};
  const memory::dims dst{s.n, s.co, s.ho, s.wo};
  const memory::dims strides{s.sh, s.sw};
  const memory::dims dilates{s.dh - 1, s.dw - 1};
  const memory::dims padL{s.pt, s.pl};
  const memory::dims padR{s.pb, s.pr};
  const memory::desc srcMd(src, dt::f32, tag::nhwc);
  const memory::desc dstMd(dst, dt::f32, tag::nhwc);
  const memory::desc weiAny(wei, dt::f32, tag::any);
  const memory::desc weiUser(wei, dt::f32, tag::hwio);

  dnnl::convolution_forward::desc fwdDesc(dnnl::prop_kind::forward_training,
                                          dnnl::algorithm::convolution_direct, srcMd, weiAny, dstMd,
                                          strides, dilates, padL, padR);
  dnnl::convolution_forward::primitive_desc fwdPd(fwdDesc, st.engine);

  auto e = std::make_unique<Entry>();
  e->userWeights = memory(weiUser, st.engine, DNNL_MEMORY_NONE);
  e->src = memory(srcMd, st.engine, DNNL_MEMORY_NONE);
  e->dst = memory(dstMd, st.engine, DNNL_MEMORY_NONE);
  memory::desc weiMd;
  if (kind == kForward) {
    weiMd = fwdPd.weights_desc();
    e->conv = std::make_unique<dnnl::convolution_forward>(fwdPd);
  } else if (kind == kBackwardData) {
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, srcMd, weiAny, dstMd,
                                            strides, dilates, padL, padR);
    dnnl::convolution_backward_data::primitive_desc pd(d, st.engine, fwdPd);
    weiMd = pd.weights_desc();
    e->conv = std::make_unique<dnnl::convolution_backward_data>(pd);
  } else {
    dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, srcMd, weiAny, dstMd,
                                               strides, dilates, padL, padR);
    dnnl::convolution_backward_weights::primitive_desc pd(d, st.engine, fwdPd);
    weiMd = pd.diff_weights_desc();
    e->conv = std::make_unique<dnnl::convolution_backward_weights>(pd);
  }
  e->reorderWeights = weiMd != weiUser;
  if (e->reorderWeights) {
    e->weights = memory(weiMd, st.engine);  // owned by oneDNN, kept with the primitive
    e->weightsReorder = kind == kBackwardWeights
                            ? std::make_unique<dnnl::reorder>(e->weights, e->userWeights)
                            : std::make_unique<dnnl::reorder>(e->userWeights, e->weights);
  } else {
    e->weights = e->userWeights;
  }
  return e;
}

// conv(kind, dims[17], a, b, out): forward (x, w) → y; backward-data (dy, w) → dx;
// backward-weights (x, dy) → dw. dims: n h w ci ho wo co kh kw sh sw pt pl pb pr dh dw.
napi_value Conv(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  try {
    check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "get_cb_info");
    if (argc != 5) throw JsError("conv(kind, dims, a, b, out) takes 5 arguments");
    int32_t kindRaw = 0;
    check(env, napi_get_value_int32(env, argv[0], &kindRaw), "kind");
    if (kindRaw < 0 || kindRaw > 2) throw JsError("kind must be 0, 1 or 2");
    const Kind kind = static_cast<Kind>(kindRaw);
    uint32_t len = 0;
    check(env, napi_get_array_length(env, argv[1], &len), "dims must be an array");
    if (len != 17) throw JsError("dims must have 17 entries");
    Shape s{};
    int64_t* fields[] = {&s.n,  &s.h,  &s.w,  &s.ci, &s.ho, &s.wo, &s.co, &s.kh, &s.kw,
                         &s.sh, &s.sw, &s.pt, &s.pl, &s.pb, &s.pr, &s.dh, &s.dw};
    for (uint32_t i = 0; i < 17; i++) *fields[i] = intAt(env, argv[1], i);
    for (int i = 0; i < 11; i++)
      if (*fields[i] < 1) throw JsError("dims: sizes and strides must be positive");
    if (s.dh < 1 || s.dw < 1) throw JsError("dims: dilations must be positive");

    const size_t xSize = s.n * s.h * s.w * s.ci;
    const size_t ySize = s.n * s.ho * s.wo * s.co;
    const size_t wSize = s.kh * s.kw * s.ci * s.co;
    float* x = nullptr;
    float* w = nullptr;
    float* y = nullptr;
    if (kind == kForward) {
      x = floatData(env, argv[2], xSize, "x");
      w = floatData(env, argv[3], wSize, "filter");
      y = floatData(env, argv[4], ySize, "out");
    } else if (kind == kBackwardData) {
      y = floatData(env, argv[2], ySize, "dy");
      w = floatData(env, argv[3], wSize, "filter");
      x = floatData(env, argv[4], xSize, "out");
    } else {
      x = floatData(env, argv[2], xSize, "x");
      y = floatData(env, argv[3], ySize, "dy");
      w = floatData(env, argv[4], wSize, "out");
    }

    State& st = *state(env);
    const std::string key = keyOf(kind, s, st.threads);
    auto found = st.cache.find(key);
    if (found == st.cache.end()) found = st.cache.emplace(key, build(st, kind, s)).first;
    Entry& e = *found->second;
    e.src.set_data_handle(x);
    e.dst.set_data_handle(y);
    e.userWeights.set_data_handle(w);
    if (kind != kBackwardWeights && e.reorderWeights)
      e.weightsReorder->execute(st.stream, e.userWeights, e.weights);
    if (kind == kForward) {
      e.conv->execute(st.stream,
                      {{DNNL_ARG_SRC, e.src}, {DNNL_ARG_WEIGHTS, e.weights}, {DNNL_ARG_DST, e.dst}});
    } else if (kind == kBackwardData) {
      e.conv->execute(st.stream, {{DNNL_ARG_DIFF_DST, e.dst},
                                  {DNNL_ARG_WEIGHTS, e.weights},
                                  {DNNL_ARG_DIFF_SRC, e.src}});
    } else {
      e.conv->execute(st.stream, {{DNNL_ARG_SRC, e.src},
                                  {DNNL_ARG_DIFF_DST, e.dst},
                                  {DNNL_ARG_DIFF_WEIGHTS, e.weights}});
      if (e.reorderWeights) e.weightsReorder->execute(st.stream, e.weights, e.userWeights);
    }
    st.stream.wait();
    // Handles point into the caller's memory only during the call.
    e.src.set_data_handle(nullptr);
    e.dst.set_data_handle(nullptr);
    e.userWeights.set_data_handle(nullptr);
    return nullptr;
  } catch (const dnnl::error& err) {
    napi_throw_error(env, "ONEDNN_ERROR", (std::string("oneDNN: ") + err.what()).c_str());
  } catch (const std::exception& err) {
    napi_throw_error(env, "ONEDNN_ARGUMENT", err.what());
  }
  return nullptr;
}

napi_value Int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

// setThreads(n): the OpenMP threads of the following calls (primitives are cached per count).
napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t n = 1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    napi_throw_range_error(env, nullptr, "setThreads(n) needs a positive integer");
    return nullptr;
  }
  omp_set_num_threads(n);
  state(env)->threads = n;
  return Int(env, n);
}

napi_value Threads(napi_env env, napi_callback_info) { return Int(env, state(env)->threads); }

napi_value CacheSize(napi_env env, napi_callback_info) {
  return Int(env, static_cast<int64_t>(state(env)->cache.size()));
}

napi_value ClearCache(napi_env env, napi_callback_info) {
  state(env)->cache.clear();
  return nullptr;
}

napi_value Version(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  const std::string text = std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                           std::to_string(v->patch) +
                           (v->cpu_runtime == DNNL_RUNTIME_OMP ? " (OpenMP)" : "");
  napi_value out;
  napi_create_string_utf8(env, text.c_str(), text.size(), &out);
  return out;
}

void Finalize(napi_env, void* data, void*) { delete static_cast<State*>(data); }

napi_value Init(napi_env env, napi_value exports) {
  try {
    auto* st = new State();
    st->threads = omp_get_max_threads();
    napi_set_instance_data(env, st, Finalize, nullptr);
  } catch (const dnnl::error& err) {
    napi_throw_error(env, "ONEDNN_ERROR", (std::string("oneDNN: ") + err.what()).c_str());
    return nullptr;
  }
  const napi_property_descriptor props[] = {
      {"conv", nullptr, Conv, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"cacheSize", nullptr, CacheSize, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"clearCache", nullptr, ClearCache, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
