//! Integration tests of dataprep-image.

mod image {
    mod common;
    mod decode;
    mod encode;
    mod hash;
    mod normalize;
    mod resize;
}
