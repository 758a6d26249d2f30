//! Integration tests of dataprep-image.

mod image {
    mod augment;
    mod common;
    mod decode;
    mod encode;
    mod hash;
    mod normalize;
    mod resize;
    mod stages;
}
