"""The OpenAPI 3.0 document of the prediction API, generated from the saved model's input schema."""

from __future__ import annotations

from phase5_capstone.pipeline.features import Preprocessor

MAX_RECORDS = 1000
MAX_BODY_BYTES = 256 * 1024


def record_schema(pre: Preprocessor) -> dict:
    """One house: every input column is required; numbers may be null (imputed with the training median)."""
    props = {name: {"type": "number", "nullable": True,
                    "description": f"missing (null) is imputed with the training median {pre.medians[name]:g}"}
             for name in pre.numeric}
    for name, levels in pre.categorical.items():
        props[name] = {"type": "string", "enum": list(levels)}
    return {"type": "object", "properties": props, "required": pre.input_columns, "additionalProperties": False}


def _json(schema_ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def openapi_document(pre: Preprocessor, meta: dict) -> dict:
    level = 1 - meta["conformal"]["alpha"]
    error = _json("#/components/schemas/Error", "")
    errors = {code: dict(error, description=text) for code, text in (
        ("400", "the body is not valid JSON"), ("413", f"the body is larger than {MAX_BODY_BYTES} bytes"),
        ("415", "the Content-Type is not application/json"),
        ("422", "a field is missing, unknown, of the wrong type, not finite, or an unknown category"))}
    number = {"type": "number"}
    prediction = {"type": "object", "required": ["prediction", "confidence_interval", "level"],
                  "properties": {"prediction": number,
                                 "confidence_interval": {"type": "array", "items": number, "minItems": 2,
                                                         "maxItems": 2},
                                 "level": number}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "House price predictor (project 19)", "version": meta["version"],
                 "description": f"Predicts {meta['target']} with a {meta['model']['kind']} model trained from "
                                f"scratch, with a {level:.0%} split-conformal prediction interval."},
        "paths": {
            "/predict": {"post": {
                "summary": "Predict one record or a list of records",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "oneOf": [{"$ref": "#/components/schemas/Record"},
                              {"type": "array", "items": {"$ref": "#/components/schemas/Record"},
                               "minItems": 1, "maxItems": MAX_RECORDS}]}}}},
                "responses": {"200": {"description": "prediction(s) with the conformal interval", "content": {
                    "application/json": {"schema": {"oneOf": [
                        {"$ref": "#/components/schemas/Prediction"},
                        {"type": "object", "required": ["predictions"], "additionalProperties": False,
                         "properties": {"predictions": {"type": "array",
                                                        "items": {"$ref": "#/components/schemas/Prediction"}}}}]}}}},
                              **errors}}},
            "/health": {"get": {"summary": "Liveness check", "responses": {"200": {
                "description": "the server is up and the model loaded", "content": {"application/json": {
                    "schema": {"type": "object", "required": ["status"],
                               "properties": {"status": {"type": "string", "enum": ["ok"]},
                                              "model": {"type": "string"}}}}}}}}},
            "/model": {"get": {"summary": "The model: features, metrics, version", "responses": {"200": {
                "description": "model card", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["version", "kind", "target", "inputs", "features", "metrics"],
                    "properties": {"version": {"type": "string"}, "kind": {"type": "string"},
                                   "target": {"type": "string"}, "inputs": {"type": "object"},
                                   "features": {"type": "array", "items": {"type": "string"}},
                                   "metrics": {"type": "object"}, "conformal": {"type": "object"}}}}}}}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {
                "description": "OpenAPI 3.0 document", "content": {"application/json": {
                    "schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": {
            "Record": record_schema(pre),
            "Prediction": prediction,
            "Error": {"type": "object", "required": ["error", "field"],
                      "properties": {"error": {"type": "string"}, "field": {"type": "string", "nullable": True}}},
        }},
    }
