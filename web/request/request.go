// Package request reads what a request carries the same way for pages and
// the JSON API: ids in paths and forms, page numbers, strict JSON bodies and
// uploaded files, with errors a user can act on.
package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
)

// Files opens the files of a multipart field, skipping the empty part
// a browser sends when no file was chosen. close releases them.
func Files(c echo.Context, fields ...string) (readers []io.Reader, closeAll func(), err error) {
	closeAll = func() {}
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if !strings.HasPrefix(ct, echo.MIMEMultipartForm) {
		return nil, closeAll, nil
	}
	form, err := c.MultipartForm()
	if err != nil {
		return nil, closeAll, fault.Invalidf("the upload could not be read; try again")
	}
	var opened []multipart.File
	closeAll = func() {
		for _, f := range opened {
			f.Close()
		}
	}
	for _, field := range fields {
		for _, fh := range form.File[field] {
			if fh.Filename == "" && fh.Size == 0 {
				continue
			}
			f, err := fh.Open()
			if err != nil {
				closeAll()
				return nil, func() {}, err
			}
			opened = append(opened, f)
			readers = append(readers, f)
		}
	}
	return readers, closeAll, nil
}

// ID reads a numeric path parameter; anything else is not found.
func ID(c echo.Context, name, notFound string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.NotFoundf("%s", notFound)
	}
	return id, nil
}

// Page is the page number asked for, from 1.
func Page(c echo.Context) int {
	n, _ := strconv.Atoi(c.QueryParam("page"))
	return max(n, 1)
}

// FormID reads a numeric form value; a malformed one becomes 0, which
// matches nothing.
func FormID(c echo.Context, name string) int64 {
	n, _ := strconv.ParseInt(c.FormValue(name), 10, 64)
	return n
}

// PathID reads a numeric path parameter; a malformed one becomes 0, which
// matches nothing.
func PathID(c echo.Context, name string) int64 {
	n, _ := strconv.ParseInt(c.Param(name), 10, 64)
	return n
}

// JSON decodes a request body strictly: unknown fields are an error
// naming the field, so typos do not pass silently.
func JSON(c echo.Context, v any) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, 1<<20))
	if err != nil {
		return fault.Invalidf("the request body could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return fault.FieldInvalidf(typeErr.Field, "%s has the wrong type (%s)", typeErr.Field, typeErr.Value)
		}
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			field = strings.Trim(field, `"`)
			return fault.FieldInvalidf(field, "unknown field %q", field)
		}
		return fault.Invalidf("the request body is not valid JSON: %v", err)
	}
	return nil
}
