package store

import (
	"context"
	"strings"
	"unicode"
)

// TextIndex is a full-text index of documents of four weighted fields (most
// to least important) under integer keys, kept in Table, which each
// dialect's migration creates: on SQLite a contentless FTS5 table (a, b, c,
// d; content = '', contentless_delete = 1) keyed by rowid, with the porter
// tokenizer, so that a search reads only the index; on PostgreSQL a table
// (key BIGINT PRIMARY KEY, doc TSVECTOR) with a GIN index on doc. Both stem English words, so the same
// query finds the same documents on either; the ranking differs in detail
// (BM25, ts_rank) but ranks alike.
type TextIndex struct {
	Table string
}

// Put indexes (or re-indexes) the document key with its four fields.
func (ix TextIndex) Put(ctx context.Context, tx *Tx, key int64, fields [4]string) error {
	if tx.dialect.Name() == Postgres {
		// Stemmed (english) and as written (simple), so that stop words and
		// prefixes of any word are found, as FTS5 finds them.
		_, err := tx.Exec(ctx, `INSERT INTO `+ix.Table+` (key, doc) VALUES (?,
			setweight(to_tsvector('english', ?) || to_tsvector('simple', ?), 'A') || setweight(to_tsvector('english', ?) || to_tsvector('simple', ?), 'B') ||
			setweight(to_tsvector('english', ?) || to_tsvector('simple', ?), 'C') || setweight(to_tsvector('english', ?) || to_tsvector('simple', ?), 'D'))
			ON CONFLICT (key) DO UPDATE SET doc = EXCLUDED.doc`, key, fields[0], fields[0], fields[1], fields[1], fields[2], fields[2], fields[3], fields[3])
		return err
	}
	if err := ix.Delete(ctx, tx, key); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "INSERT INTO "+ix.Table+" (rowid, a, b, c, d) VALUES (?, ?, ?, ?, ?)", key, fields[0], fields[1], fields[2], fields[3])
	return err
}

// Delete removes the document key from the index.
func (ix TextIndex) Delete(ctx context.Context, tx *Tx, key int64) error {
	column := "rowid"
	if tx.dialect.Name() == Postgres {
		column = "key"
	}
	_, err := tx.Exec(ctx, "DELETE FROM "+ix.Table+" WHERE "+column+" = ?", key)
	return err
}

// Match returns a query that selects (key, rank) of the documents holding
// every word of text (the last one also as a prefix, so search-as-you-type
// finds "calend" in "calendar"), where a lower rank is a better match, and
// its arguments. ok is false when text has no words, which matches nothing.
// Words are letters and digits only: nothing of text reaches the query
// syntax of either database.
func (db *DB) Match(ix TextIndex, text string) (query string, args []any, ok bool) {
	words := TextWords(text)
	if len(words) == 0 {
		return "", nil, false
	}
	if db.dialect.Name() == Postgres {
		// Each word stemmed or as written (a stop word has no stem); the
		// last also as a prefix.
		terms := make([]string, len(words))
		for i, w := range words {
			if i == len(words)-1 {
				w += ":*"
			}
			terms[i] = "(to_tsquery('english', ?) || to_tsquery('simple', ?))"
			args = append(args, w, w)
		}
		return "SELECT key, -ts_rank(doc, q, 1) AS rank FROM " + ix.Table + ", (SELECT " + strings.Join(terms, " && ") +
			" AS q) tsq WHERE doc @@ q", args, true
	}
	terms := make([]string, len(words))
	for i, w := range words {
		terms[i] = `"` + w + `"`
		if i == len(words)-1 {
			terms[i] += "*"
		}
	}
	return "SELECT rowid AS key, bm25(" + ix.Table + ", 10, 5, 3, 1) AS rank FROM " + ix.Table + " WHERE " + ix.Table + " MATCH ?",
		[]any{"{a b c d} : " + strings.Join(terms, " AND ")}, true
}

// maxTextWords bounds the words of a search, and maxWordLen each word.
const (
	maxTextWords = 8
	maxWordLen   = 40
)

// TextWords splits text into at most 8 lower-case words of letters and
// digits, each cut to 40 characters.
func TextWords(text string) []string {
	var words []string
	for _, f := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if r := []rune(f); len(r) > maxWordLen {
			f = string(r[:maxWordLen])
		}
		words = append(words, f)
		if len(words) == maxTextWords {
			break
		}
	}
	return words
}
