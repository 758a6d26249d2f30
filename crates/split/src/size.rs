//! Named split sizes and scikit-learn's rounding.

use crate::error::{Error, Result};

/// The size of one split: a fraction of the rows, a count of rows, or whatever the other splits
/// leave.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Size {
    /// A fraction in (0, 1] of the rows.
    Fraction(f64),
    /// A number of rows (at least 1).
    Count(usize),
    /// The rows the other splits leave (at most one split per request).
    Rest,
}

impl From<f64> for Size {
    fn from(f: f64) -> Self {
        Size::Fraction(f)
    }
}

impl From<usize> for Size {
    fn from(n: usize) -> Self {
        Size::Count(n)
    }
}

/// One named split and its size.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct NamedSize {
    /// The split name (`train`, `validation`, `test`, …).
    pub name: String,
    /// Its size.
    pub size: Size,
}

/// Any number of named splits, in order, with scikit-learn's rounding generalised.
///
/// Sizes resolve to row counts like `train_test_split`:
/// - a fraction of the **first** split (by convention the training split) rounds **down**
///   (`n_train = floor(train × n)`), a fraction of every other split rounds **up**
///   (`n_test = ceil(test × n)`);
/// - counts are taken as given;
/// - a [`Size::Rest`] split takes what the others leave (`train_test_split`'s default for the
///   training split); without one, rows may stay unassigned;
/// - fractions must lie in (0, 1] and sum to at most 1; counts and fractions together must fit in
///   `n`; no split may end up empty.
///
/// ```
/// use dataprep_split::{Size, Splits};
/// // train_test_split(test_size=0.25) on 10 rows: 3 test (ceil 2.5), 7 train.
/// assert_eq!(Splits::train_test(0.25).resolve(10)?, vec![7, 3]);
/// // train_size=0.5, test_size=0.25: floor 5 and ceil 2.5 = 3; 2 rows unassigned.
/// let s = Splits::new().with("train", 0.5).with("test", 0.25);
/// assert_eq!(s.resolve(10)?, vec![5, 3]);
/// let tvt = Splits::train_validation_test(0.1, 0.1);
/// assert_eq!(tvt.resolve(101)?, vec![79, 11, 11]);
/// assert!(Splits::new().with("a", 0.7).with("b", 0.5).resolve(10).is_err());
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Splits {
    parts: Vec<NamedSize>,
}

impl Splits {
    /// No splits yet; add them with [`Splits::with`].
    pub fn new() -> Self {
        Splits::default()
    }

    /// Adds a split (builder style).
    pub fn with(mut self, name: impl Into<String>, size: impl Into<Size>) -> Self {
        self.parts.push(NamedSize {
            name: name.into(),
            size: size.into(),
        });
        self
    }

    /// `train` (the rest) and `test` (`test` rows or fraction): `train_test_split(test_size=…)`.
    pub fn train_test(test: impl Into<Size>) -> Self {
        Splits::new().with("train", Size::Rest).with("test", test)
    }

    /// `train` (the rest), `validation` and `test`.
    pub fn train_validation_test(validation: impl Into<Size>, test: impl Into<Size>) -> Self {
        Splits::new()
            .with("train", Size::Rest)
            .with("validation", validation)
            .with("test", test)
    }

    /// The splits in order.
    pub fn parts(&self) -> &[NamedSize] {
        &self.parts
    }

    /// The split names in order.
    pub fn names(&self) -> Vec<String> {
        self.parts.iter().map(|p| p.name.clone()).collect()
    }

    /// Number of splits.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// True when no split was added.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Checks names and sizes independently of the number of rows.
    ///
    /// # Errors
    /// [`Error::InvalidSizes`] for no splits, empty or duplicate names, more than one
    /// [`Size::Rest`], a fraction outside (0, 1] or fractions summing to more than 1, a zero count.
    pub fn validate(&self) -> Result<()> {
        if self.parts.is_empty() {
            return Err(Error::InvalidSizes("no splits given".into()));
        }
        let mut fraction_sum = 0.0;
        for (i, p) in self.parts.iter().enumerate() {
            if p.name.is_empty() {
                return Err(Error::InvalidSizes(format!("split #{i} has an empty name")));
            }
            if self.parts[..i].iter().any(|q| q.name == p.name) {
                return Err(Error::InvalidSizes(format!(
                    "split `{}` is named twice",
                    p.name
                )));
            }
            match p.size {
                Size::Fraction(f) => {
                    if !(f > 0.0 && f <= 1.0) {
                        return Err(Error::InvalidSizes(format!(
                            "split `{}`: fraction {f} is not in (0, 1]",
                            p.name
                        )));
                    }
                    fraction_sum += f;
                }
                Size::Count(0) => {
                    return Err(Error::InvalidSizes(format!(
                        "split `{}`: a count must be at least 1",
                        p.name
                    )));
                }
                Size::Count(_) => {}
                Size::Rest => {
                    if self.parts[..i].iter().any(|q| q.size == Size::Rest) {
                        return Err(Error::InvalidSizes(
                            "at most one split can take the rest".into(),
                        ));
                    }
                }
            }
        }
        if fraction_sum > 1.0 + 1e-9 {
            return Err(Error::InvalidSizes(format!(
                "the fractions sum to {fraction_sum}, more than 1"
            )));
        }
        Ok(())
    }

    /// The number of rows of each split for `n` rows (see the type's documentation for the
    /// rounding). Rows not in any split are `n - sum`.
    ///
    /// # Errors
    /// Those of [`Splits::validate`]; [`Error::EmptyInput`] for `n == 0`;
    /// [`Error::InvalidSizes`] when the sizes add up to more than `n`; [`Error::EmptySplit`] when
    /// a split would get no row.
    pub fn resolve(&self, n: usize) -> Result<Vec<usize>> {
        self.validate()?;
        if n == 0 {
            return Err(Error::EmptyInput("no rows to split".into()));
        }
        let mut sizes: Vec<usize> = self
            .parts
            .iter()
            .enumerate()
            .map(|(i, p)| match p.size {
                // The same f64 arithmetic as scikit-learn: floor(train * n), ceil(test * n).
                Size::Fraction(f) if i == 0 => (f * n as f64).floor() as usize,
                Size::Fraction(f) => (f * n as f64).ceil() as usize,
                Size::Count(c) => c,
                Size::Rest => 0,
            })
            .collect();
        let total: usize = sizes.iter().sum();
        if total > n {
            return Err(Error::InvalidSizes(format!(
                "the split sizes add up to {total} rows, more than the {n} rows available"
            )));
        }
        if let Some(rest) = self.parts.iter().position(|p| p.size == Size::Rest) {
            sizes[rest] = n - total;
        }
        for (p, &s) in self.parts.iter().zip(&sizes) {
            if s == 0 {
                return Err(Error::EmptySplit {
                    split: p.name.clone(),
                    reason: format!(
                        "with n_samples={n} and sizes {}, it gets 0 rows",
                        self.describe()
                    ),
                });
            }
        }
        Ok(sizes)
    }

    /// A short human-readable form, such as `train=rest, test=0.2`.
    pub fn describe(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p.size {
                Size::Fraction(f) => format!("{}={f}", p.name),
                Size::Count(c) => format!("{}={c} rows", p.name),
                Size::Rest => format!("{}=rest", p.name),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sklearn_rounding() {
        // 0.55 * 100 = 55.00000000000001 in f64: scikit-learn's ceil gives 56, so do we.
        assert_eq!(Splits::train_test(0.55).resolve(100).unwrap(), vec![44, 56]);
        // 0.7 * 90 = 62.99999999999999: floor gives 62 training rows.
        let s = Splits::new().with("train", 0.7).with("test", 0.3);
        assert_eq!(s.resolve(90).unwrap(), vec![62, 27]);
        assert_eq!(Splits::train_test(3usize).resolve(10).unwrap(), vec![7, 3]);
        let s = Splits::new().with("train", 0.8).with("test", Size::Rest);
        assert_eq!(s.resolve(11).unwrap(), vec![8, 3]);
    }

    #[test]
    fn invalid_sizes() {
        assert!(Splits::new().resolve(3).is_err());
        assert!(Splits::train_test(0.0).resolve(3).is_err());
        assert!(Splits::train_test(1.5).resolve(3).is_err());
        assert!(Splits::train_test(0.5).resolve(0).is_err());
        assert!(Splits::train_test(11usize).resolve(10).is_err());
        assert!(Splits::train_test(10usize).resolve(10).is_err()); // empty train
        assert!(
            Splits::new()
                .with("a", 0.5)
                .with("a", 0.5)
                .resolve(4)
                .is_err()
        );
        assert!(
            Splits::new()
                .with("a", Size::Rest)
                .with("b", Size::Rest)
                .resolve(4)
                .is_err()
        );
    }
}
