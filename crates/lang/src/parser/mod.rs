//! A recursive-descent parser. A mistake is recorded and the parser skips to the end of the
//! statement or declaration, so that one run reports every mistake in the file.

use crate::ast::*;
use crate::lexer::{Spanned, Tok};
use crate::Diag;

mod stmt;

/// Parses `tokens` of a file `len` bytes long; mistakes go to `diags`.
pub fn parse(tokens: Vec<Spanned>, text: &str, diags: &mut Vec<Diag>) -> File {
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        end: text.len(),
        text,
        diags,
        broken: Vec::new(),
    };
    let mut file = File::default();
    while !p.at_end() {
        let start = p.pos;
        if p.top_level(&mut file).is_err() {
            p.recover_top(start);
        }
    }
    file.broken = p.broken;
    file
}

/// A mistake already recorded: unwind to a point where parsing can go on.
struct Failed;

type PResult<T> = Result<T, Failed>;

struct Parser<'d> {
    toks: Vec<Spanned>,
    pos: usize,
    end: usize,
    text: &'d str,
    diags: &'d mut Vec<Diag>,
    /// The names in what was skipped.
    broken: Vec<String>,
}

/// Names that start a type.
const TYPE_WORDS: &[&str] = &[
    "bool",
    "int",
    "long",
    "atomic_t",
    "u8",
    "u16",
    "u32",
    "i8",
    "i16",
    "i32",
    "spinlock_t",
    "struct",
];

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n).map(|t| &t.0)
    }

    fn span(&self) -> Span {
        match self.toks.get(self.pos) {
            Some((_, s)) => s.clone(),
            None => self.end..self.end,
        }
    }

    /// The end of the last token taken.
    fn last_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.1.end)
    }

    fn bump(&mut self) -> Option<Spanned> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn is(&self, t: &Tok) -> bool {
        self.peek() == Some(t)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s == w)
    }

    fn eat(&mut self, t: &Tok) -> bool {
        let yes = self.is(t);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn fail<T>(&mut self, message: String, label: &str) -> PResult<T> {
        let span = self.span();
        self.diags.push(Diag::new(span, message, label));
        Err(Failed)
    }

    fn expect(&mut self, t: &Tok, what: &str) -> PResult<Span> {
        if self.is(t) {
            Ok(self.bump().map(|t| t.1).unwrap_or_default())
        } else {
            let found = self.describe_here();
            self.fail(format!("expected {what}, found {found}"), "here")
        }
    }

    fn describe_here(&self) -> String {
        match self.peek() {
            None => "the end of the file".into(),
            Some(Tok::Ident(s)) => format!("`{s}`"),
            Some(Tok::Int(i)) => format!("`{i}`"),
            Some(Tok::Str(s)) => format!("\"{s}\""),
            Some(_) => format!("`{}`", &self.text[self.span()]),
        }
    }

    fn ident(&mut self, what: &str) -> PResult<(String, Span)> {
        match self.peek().cloned() {
            Some(Tok::Ident(s)) => {
                let span = self.span();
                self.pos += 1;
                Ok((s, span))
            }
            _ => {
                let found = self.describe_here();
                self.fail(format!("expected {what}, found {found}"), "here")
            }
        }
    }

    fn string(&mut self, what: &str) -> PResult<String> {
        match self.peek().cloned() {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                Ok(s)
            }
            _ => {
                let found = self.describe_here();
                self.fail(format!("expected {what} in quotes, found {found}"), "here")
            }
        }
    }

    /// A signed integer literal.
    fn int(&mut self, what: &str) -> PResult<i64> {
        let neg = self.eat(&Tok::Minus);
        match self.peek().cloned() {
            Some(Tok::Int(i)) => {
                self.pos += 1;
                Ok(if neg { -i } else { i })
            }
            _ => {
                let found = self.describe_here();
                self.fail(format!("expected {what}, found {found}"), "here")
            }
        }
    }

    /// Skips to just after the next top-level `;` or closing `}` (at least one token).
    fn recover_top(&mut self, start: usize) {
        self.skip_top(start);
        self.note_broken(start);
    }

    /// Remembers the names in the tokens from `start` to the cursor, which were skipped: a
    /// name declared there is not reported as unknown where it is used.
    fn note_broken(&mut self, start: usize) {
        let end = self.pos.min(self.toks.len());
        for (t, _) in &self.toks[start.min(end)..end] {
            if let Tok::Ident(n) = t {
                self.broken.push(n.clone());
            }
        }
    }

    fn skip_top(&mut self, start: usize) {
        if self.pos == start {
            self.pos += 1;
        }
        let mut depth = 0i32;
        while let Some(t) = self.peek().cloned() {
            self.pos += 1;
            match t {
                Tok::LBrace => depth += 1,
                Tok::RBrace => {
                    depth -= 1;
                    if depth <= 0 {
                        self.eat(&Tok::Semi);
                        return;
                    }
                }
                Tok::Semi if depth == 0 => return,
                _ => {}
            }
        }
    }

    /// Skips the rest of a broken statement: to after its `;`, or before the `}` closing
    /// the block it is in.
    fn recover_stmt(&mut self, start: usize) {
        self.skip_stmt(start);
        self.note_broken(start);
    }

    fn skip_stmt(&mut self, start: usize) {
        if self.pos == start {
            self.pos += 1;
        }
        let mut depth = 0i32;
        while let Some(t) = self.peek().cloned() {
            match t {
                Tok::LBrace => depth += 1,
                Tok::RBrace if depth == 0 => return,
                Tok::RBrace => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                }
                Tok::Semi if depth == 0 => {
                    self.pos += 1;
                    return;
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    fn top_level(&mut self, file: &mut File) -> PResult<()> {
        let source = self.source_note()?;
        let start = self.span().start;
        if self.is_word("struct") && matches!(self.peek_at(2), Some(Tok::LBrace)) {
            self.pos += 1;
            let (name, span) = self.ident("a struct name")?;
            self.expect(&Tok::LBrace, "`{`")?;
            let mut fields = Vec::new();
            while !self.eat(&Tok::RBrace) {
                let ghost = self.eat_word("ghost");
                let decl = self.var_decl(ghost)?;
                self.expect(&Tok::Semi, "`;` after the field")?;
                fields.push(decl);
            }
            self.eat(&Tok::Semi);
            file.structs.push((name, fields, span));
        } else if self.is_word("param") {
            self.pos += 1;
            let (name, span) = self.ident("a parameter name")?;
            self.expect(&Tok::Assign, "`=` and its default")?;
            let default = self.int("the default value")?;
            let (min, max) = self.range()?;
            let doc = match self.peek() {
                Some(Tok::Str(_)) => self.string("a description")?,
                _ => String::new(),
            };
            self.expect(&Tok::Semi, "`;`")?;
            file.params.push(ParamConst {
                name,
                default,
                min,
                max,
                doc,
                span,
            });
        } else if self.is_word("invariant") || self.is_word("end_check") {
            let end = self.is_word("end_check");
            self.pos += 1;
            let (name, span) = self.ident("the check's name")?;
            self.expect(&Tok::LParen, "`(`")?;
            let cond = self.expr()?;
            self.expect(&Tok::Comma, "`,` and the message")?;
            let message = self.string("the message")?;
            self.expect(&Tok::RParen, "`)`")?;
            self.expect(&Tok::Semi, "`;`")?;
            let check = CheckDecl {
                name,
                cond,
                message,
                span,
            };
            if end {
                file.end_checks.push(check)
            } else {
                file.invariants.push(check)
            }
        } else if self.is_word("variant") {
            self.pos += 1;
            let (name, span) = self.ident("the variant's name")?;
            let mut functions = Vec::new();
            if !self.eat(&Tok::Semi) {
                self.expect(&Tok::LBrace, "`;` or `{` and the functions it replaces")?;
                while !self.eat(&Tok::RBrace) {
                    if self.at_end() {
                        return self.fail("the variant is not closed".into(), "here");
                    }
                    let source = self.source_note()?;
                    let f = self.function(source, false)?;
                    functions.push(f);
                }
            }
            file.variants.push(VariantDecl {
                name,
                functions,
                span,
            });
        } else if self.is_word("op") {
            self.pos += 1;
            let f = self.function(source, true)?;
            file.ops.push(f);
        } else if self.is_word("void") || (self.starts_type() && self.is_function_after_type()) {
            let f = self.function(source, false)?;
            file.functions.push(f);
        } else if self.starts_type() || self.is_word("ghost") {
            let ghost = self.eat_word("ghost");
            let mut decl = self.var_decl(ghost)?;
            decl.span.start = start;
            self.expect(&Tok::Semi, "`;` after the declaration")?;
            file.globals.push(decl);
        } else {
            let found = self.describe_here();
            return self.fail(
                format!("expected a declaration, found {found}"),
                "a file declares structs, globals, params, functions, ops, invariants, variants",
            );
        }
        Ok(())
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let yes = self.is_word(w);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn starts_type(&self) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if TYPE_WORDS.contains(&s.as_str()))
    }

    /// After a type at the cursor: `NAME (` means a function.
    fn is_function_after_type(&self) -> bool {
        let skip = if self.is_word("struct") { 2 } else { 1 };
        matches!(self.peek_at(skip), Some(Tok::Ident(_)))
            && matches!(self.peek_at(skip + 1), Some(Tok::LParen))
    }

    /// `@source("function", "file", "version")`, if there is one.
    fn source_note(&mut self) -> PResult<Option<SourceNote>> {
        if !self.eat(&Tok::At) {
            return Ok(None);
        }
        let (word, _) = self.ident("`source`")?;
        if word != "source" {
            return self.fail(
                format!("unknown annotation `@{word}`"),
                "expected `@source`",
            );
        }
        self.expect(&Tok::LParen, "`(`")?;
        let function = self.string("the kernel function")?;
        self.expect(&Tok::Comma, "`,`")?;
        let file = self.string("the kernel file")?;
        self.expect(&Tok::Comma, "`,`")?;
        let version = self.string("the version (a release or commit)")?;
        self.expect(&Tok::RParen, "`)`")?;
        Ok(Some(SourceNote {
            function,
            file,
            version,
        }))
    }

    /// `LO..HI`, after `in`.
    fn range(&mut self) -> PResult<(i64, i64)> {
        if !self.eat_word("in") {
            return self.fail("expected `in LO..HI`".into(), "a range here");
        }
        let lo = self.int("the least value")?;
        self.expect(&Tok::DotDot, "`..`")?;
        let hi = self.int("the greatest value")?;
        if lo > hi {
            self.diags.push(Diag::new(
                self.last_end()..self.last_end(),
                format!("the range {lo}..{hi} is empty"),
                "here",
            ));
            // Reported; read as written the other way round, the rest of the file is checked.
            return Ok((hi, lo));
        }
        Ok((lo, hi))
    }

    fn type_ref(&mut self) -> PResult<TypeRef> {
        let (word, _) = self.ident("a type")?;
        let int = |min, max| Ok(TypeRef::Scalar(Scalar::Int { min, max }));
        match word.as_str() {
            "bool" => Ok(TypeRef::Scalar(Scalar::Bool)),
            "spinlock_t" => Ok(TypeRef::Scalar(Scalar::Lock)),
            "u8" => int(0, u8::MAX as i64),
            "u16" => int(0, u16::MAX as i64),
            "u32" => int(0, u32::MAX as i64),
            "i8" => int(i8::MIN as i64, i8::MAX as i64),
            "i16" => int(i16::MIN as i64, i16::MAX as i64),
            "int" | "i32" | "long" | "atomic_t" => int(i32::MIN as i64, i32::MAX as i64),
            "struct" => Ok(TypeRef::Struct(self.ident("a struct name")?.0)),
            other => {
                self.pos -= 1;
                self.fail(
                    format!("unknown type `{other}`"),
                    "types: bool, int, u8, u16, u32, i8, i16, atomic_t, spinlock_t, struct NAME",
                )
            }
        }
    }

    /// `TYPE NAME [\[N\]] [in LO..HI] [= init]`.
    fn var_decl(&mut self, ghost: bool) -> PResult<VarDecl> {
        let start = self.span().start;
        let mut ty = self.type_ref()?;
        if let TypeRef::Struct(to) = &ty {
            if self.eat(&Tok::Star) {
                ty = TypeRef::Ptr(to.clone());
            }
        }
        let (name, _) = self.ident("a name")?;
        let len = if self.eat(&Tok::LBracket) {
            let e = self.expr()?;
            self.expect(&Tok::RBracket, "`]`")?;
            Some(e)
        } else {
            None
        };
        if self.is_word("in") {
            let at = self.span();
            let (min, max) = self.range()?;
            match &ty {
                TypeRef::Scalar(Scalar::Int { .. }) => {
                    ty = TypeRef::Scalar(Scalar::Int { min, max });
                }
                _ => self.diags.push(Diag::new(
                    at,
                    "only an integer takes a range".into(),
                    "this range",
                )),
            }
        }
        let init = if self.eat(&Tok::Assign) {
            Some(self.expr()?)
        } else {
            None
        };
        Ok(VarDecl {
            ty,
            name,
            len,
            init,
            ghost,
            span: start..self.last_end(),
        })
    }

    fn function(&mut self, source: Option<SourceNote>, op: bool) -> PResult<Function> {
        let ret = if op || self.eat_word("void") {
            None
        } else {
            Some(self.type_ref()?)
        };
        let (name, span) = self.ident("a function name")?;
        self.expect(&Tok::LParen, "`(` and the parameters")?;
        let mut params = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                let start = self.span().start;
                let ty = self.type_ref()?;
                let pointer = self.eat(&Tok::Star);
                let (pname, _) = self.ident("a parameter name")?;
                params.push(ParamDecl {
                    ty,
                    pointer,
                    name: pname,
                    span: start..self.last_end(),
                });
                if self.eat(&Tok::RParen) {
                    break;
                }
                self.expect(&Tok::Comma, "`,` or `)`")?;
            }
        }
        let body = self.block()?;
        Ok(Function {
            name,
            ret,
            params,
            body,
            source,
            span,
        })
    }

    /// `{ statements }`; a broken statement is skipped and the block goes on.
    fn block(&mut self) -> PResult<Vec<Stmt>> {
        self.expect(&Tok::LBrace, "`{`")?;
        let mut out = Vec::new();
        loop {
            if self.eat(&Tok::RBrace) {
                return Ok(out);
            }
            if self.at_end() {
                return self.fail("the block is not closed".into(), "`}` expected");
            }
            let start = self.pos;
            match self.stmt() {
                Ok(s) => out.push(s),
                Err(Failed) => self.recover_stmt(start),
            }
        }
    }

    /// A block, or one statement as a block.
    fn body(&mut self) -> PResult<Vec<Stmt>> {
        if self.is(&Tok::LBrace) {
            self.block()
        } else {
            Ok(vec![self.stmt()?])
        }
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        let source = self.source_note()?;
        let start = self.span().start;
        let kind = self.stmt_kind()?;
        Ok(Stmt {
            kind,
            span: start..self.last_end(),
            source,
        })
    }
}

impl Parser<'_> {
    /// An expression, lowest precedence first.
    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        self.binary(0)
    }

    fn binary(&mut self, level: usize) -> PResult<Expr> {
        const LEVELS: &[&[(Tok, BinOp)]] = &[
            &[(Tok::OrOr, BinOp::Or)],
            &[(Tok::AndAnd, BinOp::And)],
            &[(Tok::EqEq, BinOp::Eq), (Tok::NotEq, BinOp::Ne)],
            &[
                (Tok::Lt, BinOp::Lt),
                (Tok::Le, BinOp::Le),
                (Tok::Gt, BinOp::Gt),
                (Tok::Ge, BinOp::Ge),
            ],
            &[(Tok::Plus, BinOp::Add), (Tok::Minus, BinOp::Sub)],
            &[
                (Tok::Star, BinOp::Mul),
                (Tok::Slash, BinOp::Div),
                (Tok::Percent, BinOp::Rem),
            ],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        'more: loop {
            for (tok, op) in LEVELS[level] {
                if self.eat(tok) {
                    let rhs = self.binary(level + 1)?;
                    let span = lhs.span.start..rhs.span.end;
                    lhs = Expr {
                        kind: ExprKind::Bin(*op, Box::new(lhs), Box::new(rhs)),
                        span,
                    };
                    continue 'more;
                }
            }
            return Ok(lhs);
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        let start = self.span().start;
        let wrap: Option<fn(Box<Expr>) -> ExprKind> = match self.peek() {
            Some(Tok::Bang) => Some(ExprKind::Not),
            Some(Tok::Minus) => Some(ExprKind::Neg),
            Some(Tok::Star) => Some(ExprKind::Deref),
            Some(Tok::Amp) => Some(ExprKind::AddrOf),
            _ => None,
        };
        match wrap {
            Some(wrap) => {
                self.pos += 1;
                let inner = self.unary()?;
                let span = start..inner.span.end;
                Ok(Expr {
                    kind: wrap(Box::new(inner)),
                    span,
                })
            }
            None => self.postfix(),
        }
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        loop {
            if self.eat(&Tok::Dot) || self.eat(&Tok::Arrow) {
                let (field, fs) = self.ident("a field name")?;
                e = Expr {
                    span: e.span.start..fs.end,
                    kind: ExprKind::Field(Box::new(e), field),
                };
            } else if self.eat(&Tok::LBracket) {
                let i = self.expr()?;
                let end = self.expect(&Tok::RBracket, "`]`")?.end;
                e = Expr {
                    span: e.span.start..end,
                    kind: ExprKind::Index(Box::new(e), Box::new(i)),
                };
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let span = self.span();
        match self.peek().cloned() {
            Some(Tok::Int(i)) => {
                self.pos += 1;
                Ok(Expr {
                    kind: ExprKind::Int(i),
                    span,
                })
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let mut e = self.expr()?;
                let end = self.expect(&Tok::RParen, "`)`")?.end;
                e.span = span.start..end;
                Ok(e)
            }
            Some(Tok::Ident(name)) => {
                self.pos += 1;
                let kind = match name.as_str() {
                    "true" => ExprKind::Bool(true),
                    "false" => ExprKind::Bool(false),
                    _ if self.is(&Tok::LParen) => {
                        self.pos += 1;
                        let mut args = Vec::new();
                        if !self.eat(&Tok::RParen) {
                            loop {
                                args.push(self.expr()?);
                                if self.eat(&Tok::RParen) {
                                    break;
                                }
                                self.expect(&Tok::Comma, "`,` or `)`")?;
                            }
                        }
                        ExprKind::Call(name, args)
                    }
                    _ => ExprKind::Name(name),
                };
                Ok(Expr {
                    kind,
                    span: span.start..self.last_end(),
                })
            }
            _ => {
                let found = self.describe_here();
                self.fail(format!("expected an expression, found {found}"), "here")
            }
        }
    }
}
