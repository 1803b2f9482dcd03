// Helpers for writing op lowerings: print a kernel params struct and bind it to its kernel.
#pragma once
#include <cmath>
#include <cstdio>
#include <string>
#include <type_traits>
#include <utility>

#include "emitter/literals.h"
#include "ops/op.h"

namespace onnx2mcu {

namespace detail {
struct FieldPrinter {
  std::string out;
  void one(int32_t v) { out += std::to_string(v); }
  void one(float v) { out += float_literal(v); }
  // A nested params struct (it has its own O2M_FIELDS): printed as a nested initializer.
  template <typename S>
  auto one(const S& s) -> decltype(s.visit(*this), void()) {
    FieldPrinter inner;
    s.visit(inner);
    out += "{" + inner.out + "}";
  }
  template <typename T, size_t N>
  void one(const T (&a)[N]) {
    out += "{";
    for (size_t i = 0; i < N; ++i) {
      if (i) out += ", ";
      one(a[i]);
    }
    out += "}";
  }
  template <typename... Fs>
  void operator()(const Fs&... fs) {
    bool first = true;
    ((out += first ? "" : ", ", first = false, one(fs)), ...);
  }
};

template <typename P, typename... Args, size_t... I>
void invoke(void (*f)(const P&, Args...), const P& p, void* const* ptrs, std::index_sequence<I...>) {
  f(p, static_cast<Args>(ptrs[I])...);
}
}  // namespace detail

// "{1, 2, {3, 4}, 0.5f}" for any kernel params struct declared with O2M_FIELDS.
template <typename P>
std::string print_params(const P& p) {
  detail::FieldPrinter pr;
  p.visit(pr);
  return "{" + pr.out + "}";
}

// Binds params to a kernel function pointer; `function` is its spelling in generated code.
template <typename P, typename... Args>
KernelCall make_call(std::string header, std::string function, void (*f)(const P&, Args...),
                     std::string params_type, const P& p, std::vector<const Value*> inputs,
                     std::vector<const Value*> outputs) {
  KernelCall c;
  c.header = std::move(header);
  c.function = std::move(function);
  c.params_type = std::move(params_type);
  c.params_init = print_params(p);
  c.inputs = std::move(inputs);
  c.outputs = std::move(outputs);
  c.takes_scratch = sizeof...(Args) > c.inputs.size() + c.outputs.size();
  c.run = [p, f](void* const* ptrs) { detail::invoke(f, p, ptrs, std::index_sequence_for<Args...>{}); };
  return c;
}

template <typename T>
std::string ctype() { return dtype_ctype(DTypeOf<T>::value); }

// KERNEL(header, o2m::fn, T): the kernel's spelling and its address agree by construction.
#define O2M_KERNEL(HEADER, FN, T) HEADER, std::string(#FN "<") + ::onnx2mcu::ctype<T>() + ">", &FN<T>

// The same for kernels templated on two types, e.g. o2m::gather<float, int64_t>.
#define O2M_KERNEL2(HEADER, FN, T, U) \
  HEADER, std::string(#FN "<") + ::onnx2mcu::ctype<T>() + ", " + ::onnx2mcu::ctype<U>() + ">", &FN<T, U>

// Calls f(I{}) for int32 or int64 index tensors (Gather, Scatter*, ...); fails the node otherwise.
template <typename F>
auto visit_index(const Node& n, DType t, F&& f) {
  if (t == DType::I32) return f(int32_t{});
  if (t == DType::I64) return f(int64_t{});
  n.fail(std::string("expects int32 or int64 indices, got ") + dtype_name(t));
}

// Calls f(T{}) for float32 (and float64) nodes; fails the node for other dtypes.
template <typename F>
auto visit_float(const Node& n, DType t, F&& f) {
  if (t == DType::F32) return f(float{});
  if (t == DType::F64) return f(double{});
  n.fail(std::string("expects float32 data, got ") + dtype_name(t));
}

// Calls f(T{}) for numeric dtypes C++ computes on (not bool, not the stored-as-bits types,
// which the compute-in-float pass widens first).
template <typename F>
auto visit_numeric(const Node& n, DType t, F&& f) {
  if (t == DType::Bool || t == DType::Undefined || dtype_is_small_float(t) || dtype_is_packed(t))
    n.fail(std::string("does not support ") + dtype_name(t) + " data");
  return visit_plain_dtype(t, std::forward<F>(f));
}

// Clamped conversion for params: every size in generated code is an int32.
int32_t i32(const Node& n, int64_t v);

}  // namespace onnx2mcu
