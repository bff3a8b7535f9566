import protobuf from 'protobufjs';

/**
 * The part of ONNX's onnx.proto (IR version 8) that a dense network needs: a model holding one
 * graph of nodes with attributes, float initializers, and typed inputs and outputs. Field
 * numbers and names are those of the official schema, so any ONNX reader decodes the bytes;
 * fields left out here are simply absent from the file. Parsed once, when first imported.
 */
const ONNX_SUBSET = `
syntax = "proto2";
package onnx;

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string domain = 7;
}

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0;
    FLOAT = 1;
    INT = 2;
  }
  optional string name = 1;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0;
    FLOAT = 1;
  }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  // Little-endian IEEE 754 values, row-major.
  optional bytes raw_data = 9;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}
`;

// keepCase: the fields keep onnx.proto's snake_case names, as in ONNX's own documentation.
const root = protobuf.parse(ONNX_SUBSET, { keepCase: true }).root;

export const ModelProto = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType.FLOAT and the AttributeProto types used. */
export const ONNX_FLOAT = 1;
export const ATTRIBUTE_FLOAT = 1;
export const ATTRIBUTE_INT = 2;
