// The loader's own checks of a parsed model, for every IR version and opset it reads. ONNX's
// checker is not used: Debian ships it at ONNX 1.12, which judges newer models by older rules.
#pragma once
#include <onnx/onnx_pb.h>

#include <map>
#include <string>

namespace onnx2mcu {

// Opset version per imported domain ("" is the default domain).
using Opsets = std::map<std::string, int>;

// "ai.onnx" is another spelling of the default domain "" (old exporters write it).
std::string canonical_domain(const std::string& domain);

// A node's name for messages: its own, or "#I" (its position in its graph) when it has none.
std::string node_label(const onnx::NodeProto& n, int index);

// Opset imports (of a model or a function), checked: each domain once; the default domain at
// versions 1 to 27 and ai.onnx.ml at 1 to 5 (ONNX 1.22); other domains at any version >= 1.
Opsets read_opsets(const google::protobuf::RepeatedPtrField<onnx::OperatorSetIdProto>& imports);

// Checks what the rest of the loader relies on, in the main graph, its subgraphs and the
// model-local functions: IR version 3 to 13; opset imports; every node's domain imported;
// value names defined before use (nodes in topological order), assigned once and never
// shadowing an enclosing graph's; attributes named once, of a known type whose field is set;
// element types ONNX defines. Throws Error (the caller adds the file); messages about a node
// name it and its op.
void validate_model(const onnx::ModelProto& m);

}  // namespace onnx2mcu
