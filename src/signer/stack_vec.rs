//! A list that keeps its first `N` items on the stack: the few headers and query parameters of
//! a request are collected and sorted without allocating.

/// Up to `N` items inline, the rest (all of them, once there are more) on the heap.
pub(crate) struct StackVec<T: Copy + Default, const N: usize> {
    inline: [T; N],
    len: usize,
    heap: Vec<T>,
}

impl<T: Copy + Default, const N: usize> StackVec<T, N> {
    pub(crate) fn new() -> Self {
        StackVec {
            inline: [T::default(); N],
            len: 0,
            heap: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, item: T) {
        if self.heap.is_empty() && self.len < N {
            self.inline[self.len] = item;
            self.len += 1;
            return;
        }
        if self.heap.is_empty() {
            self.heap.reserve(N * 2);
            self.heap.extend_from_slice(&self.inline[..self.len]);
        }
        self.heap.push(item);
    }

    pub(crate) fn as_slice(&self) -> &[T] {
        if self.heap.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        if self.heap.is_empty() {
            &mut self.inline[..self.len]
        } else {
            &mut self.heap
        }
    }
}

impl<T: Copy + Default, const N: usize> Extend<T> for StackVec<T, N> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.push(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spills_to_the_heap_keeping_order() {
        let mut list: StackVec<u32, 2> = StackVec::new();
        list.extend([3, 1]);
        assert_eq!(list.as_slice(), [3, 1]);
        list.push(2);
        list.as_mut_slice().sort_unstable();
        assert_eq!(list.as_slice(), [1, 2, 3]);
    }
}
