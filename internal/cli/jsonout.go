package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
)

// finiteJSON rewrites v for encoding/json so that a NaN or infinite number
// becomes null instead of failing the whole output ("json: unsupported
// value: NaN"). Statistics have undefined values by nature (alpha with an
// item dropped from a two-item scale), and a script reading --json must get
// the rest. Field order and json tags are kept; values with their own
// MarshalJSON are left to it.
func finiteJSON(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Type().Implements(reflect.TypeFor[json.Marshaler]()) {
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		return v.Interface()
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return finiteJSON(v.Elem())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Interface() // []byte encodes as base64
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = finiteJSON(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			out[fmt.Sprint(it.Key().Interface())] = finiteJSON(it.Value())
		}
		return out
	case reflect.Struct:
		var obj orderedObject
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" && opts == "" {
				continue
			}
			fv := v.Field(i)
			if sf.Anonymous && name == "" && fv.Kind() == reflect.Struct {
				if inner, ok := finiteJSON(fv).(orderedObject); ok {
					obj = append(obj, inner...)
				}
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if strings.Contains(opts, "omitempty") && fv.IsZero() && fv.Kind() != reflect.Struct {
				continue
			}
			obj = append(obj, member{name, finiteJSON(fv)})
		}
		return obj
	}
	return v.Interface()
}

type member struct {
	name  string
	value any
}

// orderedObject is a JSON object that keeps its members in struct order.
type orderedObject []member

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.name)
		if err != nil {
			return nil, err
		}
		val, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
