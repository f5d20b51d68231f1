package catalog

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/patchbay/patchbay/internal/apperr"
)

// Values checks what a user entered in the connect form, fills in defaults,
// and returns the values for the provider's templates. A bad or unknown field
// makes an apperr Invalid error naming it; values are never quoted, since
// some are secrets. An OAuth connection's access token is not a field: the
// caller adds it to Secrets when it has one.
func (p *Provider) Values(input map[string]string) (Values, error) {
	problems := map[string]string{}
	for name := range input {
		if p.field(name) == nil {
			problems[name] = "is not a field of this provider"
		}
	}
	v := Values{Config: map[string]string{}, Secrets: map[string]string{}}
	for _, f := range p.Fields {
		val := input[f.Name]
		if val == "" {
			val = f.Default
		}
		if msg := f.problem(val); msg != "" {
			problems[f.Name] = msg
			continue
		}
		if val == "" {
			continue
		}
		if f.Secret {
			v.Secrets[f.Name] = val
		} else {
			v.Config[f.Name] = val
		}
	}
	if len(problems) > 0 {
		return Values{}, apperr.InvalidFields(problems)
	}
	return v, nil
}

func (p *Provider) field(name string) *Field {
	for i := range p.Fields {
		if p.Fields[i].Name == name {
			return &p.Fields[i]
		}
	}
	return nil
}

// problem says what is wrong with a value for f, or "".
func (f *Field) problem(val string) string {
	switch {
	case val == "" && f.Required:
		return "is required"
	case val == "":
		return ""
	case len(val) > valueMax:
		return fmt.Sprintf("must be at most %d bytes", valueMax)
	case !utf8.ValidString(val) || strings.ContainsFunc(val, isControl):
		return "must be text without control characters"
	case f.Type == FieldEmail && !isEmail(val):
		return "must be an email address"
	case f.pattern != nil && !f.pattern.MatchString(val):
		if f.Help != "" {
			return "is not in the expected form: " + f.Help
		}
		return "must match the pattern " + f.Pattern
	}
	return ""
}

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
